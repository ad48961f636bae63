"""CPU seconds of processes (user + system, from /proc/PID/stat), for the
ClickHouse benchmarks: the servers' share of a command's work."""
import os

HZ = os.sysconf('SC_CLK_TCK')


def pids_of(pidfiles):
    return [int(open(p).read()) for p in pidfiles]


def cpu_seconds(pids):
    t = 0.0
    for p in pids:
        # fields after the command name: utime and stime are the 14th and
        # 15th of the line, the 12th and 13th after ')'
        f = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()
        t += (int(f[11]) + int(f[12])) / HZ
    return t
