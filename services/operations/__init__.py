"""The operations layer: the newsflow command, the supervisor and its live view, status and dead letters.

It sits on top: it may import the services and the common layer; nothing imports it."""
