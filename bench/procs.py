"""What the benchmarks read of their processes from /proc (Linux)."""

import os


def children(parent_pid: int):
    """(pid, stat fields) of each process whose parent is `parent_pid`.

    The fields are those of /proc/<pid>/stat after the command name: [1] is the parent's id,
    [11] and [12] the user and system CPU time in clock ticks.
    """
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process has just ended
            continue
        if int(fields[1]) == parent_pid:
            yield int(entry.name), fields
