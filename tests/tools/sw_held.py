#!/usr/bin/env python3
"""sw_held.py: the TCP connections a server's process holds on its port,
as the kernel lists them (the sockets among /proc/PID/fd, found in
/proc/net/tcp and tcp6, in any state but listening), for tests that must
know what a server has accepted and read. As a command:
  sw_held.py PID PORT              the client ports, sorted, on one line
  sw_held.py PID PORT wait N       wait (20 s at most) until it holds N;
                                   prints "held N" with the number it holds
  sw_held.py PID PORT read         wait (10 s at most) until it holds one
                                   and has read every byte sent to each;
                                   else exits 1 naming the unread bytes
Tests that open the connections themselves import it (connections()).
"""
import os
import sys
import time


def connections(pid, port):
    """{client port: bytes not yet read} for each connection PID holds."""
    inodes = set()
    for fd in os.listdir("/proc/%s/fd" % pid):
        try:
            inodes.add(os.readlink("/proc/%s/fd/%s" % (pid, fd)))
        except OSError:
            pass
    held = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if (int(f[1].rsplit(":", 1)[1], 16) == port and f[3] != "0A"
                    and "socket:[%s]" % f[9] in inodes):
                held[int(f[2].rsplit(":", 1)[1], 16)] = \
                    int(f[4].split(":")[1], 16)
    return held


def until(cond, seconds):
    end = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def main(argv):
    pid, port = argv[1], int(argv[2])
    if len(argv) == 3:
        print(" ".join(map(str, sorted(connections(pid, port)))))
    elif argv[3] == "wait":
        n = int(argv[4])
        until(lambda: len(connections(pid, port)) == n, 20)
        print("held %d" % len(connections(pid, port)))
    elif argv[3] == "read":
        def all_read():
            q = connections(pid, port)
            return q and not any(q.values())
        if not until(all_read, 10):
            sys.exit("server %s: unread bytes per connection: %s" %
                     (pid, list(connections(pid, port).values())))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
