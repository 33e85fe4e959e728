"""Reads from a SQLite store through the ADBC driver in a process of its own.

The ADBC SQLite driver carries its own copy of SQLite, linked into it; the store is written through
Python's sqlite3, which uses the system's. Two copies of SQLite in one process break each other's
locks (https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked into the same
application"): POSIX locks belong to the process, so when a connection of one copy closes it takes
the database's exclusive lock despite the other copy's open readers, believes it is the last
connection, checkpoints and deletes the -wal and -shm files. Whoever still has them open then reads
(or, if it is a writer, writes) files no one else will ever look at: a pull no longer sees new
commits, and a writer's commits are hidden until it closes. In a process of its own, the driver's
SQLite meets the store's other connections through real locks.

The pipe protocol: a request is a 4-byte big-endian length and the SQL in UTF-8; the reply is b"A"
and one Arrow IPC stream, or b"E", a 4-byte length and the error's text in UTF-8.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import BinaryIO

import pyarrow as pa

# The SQLite driver guesses each column's type from its first batch of rows; a batch that big makes
# the guess come from all the rows we ask for at once (pulls are chunked to at most this many).
SQLITE_BATCH_ROWS = 200_000
STOP_SECONDS = 10


class StoreReadError(RuntimeError):
    """A pull failed in the reader process (its message says why), or the process is gone."""


class SqliteReader:
    """One autocommit ADBC connection to a SQLite file, held by a child process; pulls go over a pipe."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()  # one request at a time on the pipe
        self._process = subprocess.Popen([sys.executable, "-m", __name__, path],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def fetch(self, sql: str) -> pa.Table:
        """Run one SELECT in the reader process and return every row as an Arrow table."""
        request = sql.encode()
        with self._lock:
            try:
                self._process.stdin.write(len(request).to_bytes(4, "big") + request)
                self._process.stdin.flush()
            except (BrokenPipeError, ValueError) as error:
                raise StoreReadError(f"the SQLite reader process is gone (exit code {self._process.poll()})") from error
            replies = self._process.stdout
            kind = replies.read(1)
            if kind == b"A":
                return pa.ipc.open_stream(replies).read_all()
            if kind == b"E":
                size = int.from_bytes(replies.read(4), "big")
                raise StoreReadError(replies.read(size).decode(errors="replace"))
            raise StoreReadError(f"the SQLite reader process is gone (exit code {self._process.poll()})")

    def close(self) -> None:
        """End the reader process: it closes its connection when its input ends."""
        if self._process.stdin and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()


def serve(path: str, requests: BinaryIO, replies: BinaryIO) -> None:
    """The reader process's loop: answer each request until the input ends."""
    import adbc_driver_sqlite.dbapi as driver

    connection = driver.connect(path, autocommit=True)
    try:
        while head := requests.read(4):
            sql = requests.read(int.from_bytes(head, "big")).decode()
            try:
                table = _fetch(connection, sql)
            except Exception as error:  # reported to the caller; the next pull may well succeed
                message = f"{type(error).__name__}: {error}".encode()
                replies.write(b"E" + len(message).to_bytes(4, "big") + message)
            else:
                replies.write(b"A")
                with pa.ipc.new_stream(replies, table.schema) as writer:
                    writer.write_table(table)
            replies.flush()
    finally:
        connection.close()


def _fetch(connection, sql: str) -> pa.Table:
    cursor = connection.cursor()
    try:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(SQLITE_BATCH_ROWS)})
        cursor.execute(sql)
        return cursor.fetch_arrow_table()
    finally:
        cursor.close()


if __name__ == "__main__":
    # The replies get the real stdout; anything a library prints goes to stderr instead of into them.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.argv[1], sys.stdin.buffer, replies)
