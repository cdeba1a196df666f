#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal of COLSxROWS, records every byte
it writes to the terminal for SECONDS, then types 'q' and records until it
exits. Usage: run_on_pty.py OUT COLS ROWS SECONDS COMMAND [ARGS...]"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

out, cols, rows, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
argv = sys.argv[5:]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.environ["LANG"] = "C.UTF-8"
    os.environ.pop("NO_COLOR", None)
    os.execv(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
data = bytearray()
end = time.time() + seconds
sent_q = False
while True:
    now = time.time()
    if now >= end and not sent_q:
        os.write(fd, b"q")
        sent_q = True
        end = now + 10
    elif now >= end:
        break
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
_, status = os.waitpid(pid, 0)
with open(out, "wb") as f:
    f.write(bytes(data))
print(os.waitstatus_to_exitcode(status))
