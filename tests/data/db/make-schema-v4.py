#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes schema-v4.sql: a metrics database as console schema version 4
(SQLite) leaves it, for tst_migration.

    python3 tests/data/db/make-schema-v4.py > tests/data/db/schema-v4.sql

The schema is the DDL of migrations 1 to 4 in their order (their INSERT and
UPDATE statements ran on empty tables, so they are left out), so that SQLite
records the ALTERed tables as a version-4 console left them. The data is what
the writer of that version stored: about two days of one device reporting
every two minutes and six hours of another every 20 s, each with two
interfaces, a reboot (new run, counters starting over) in the first, lost
reports, and a third device that registered and never sent metrics. The
minute rollups are computed here as that writer computed them (its
MinuteRollup and NetworkMinuteRollup). Seeded: the output is the same each run.
"""

import datetime
import math
import random

MINUTE_MS = 60000
ROWS_PER_INSERT = 100

# Migration 2's system fields (kSystemFieldsOfVersion1), then the one
# migration 4 added to both tables.
FIELDS_V1 = ["cpu_percent", "memory_percent", "memory_used_kb", "memory_total_kb",
             "disk_percent", "disk_used_kb", "disk_total_kb", "load_1", "load_5", "load_15",
             "uptime_seconds"]
FIELDS_V4 = FIELDS_V1 + ["disk_available_kb"]


def schema():
    minute_columns = "".join(
        f", {m}_min DOUBLE PRECISION NOT NULL, {m}_max DOUBLE PRECISION NOT NULL,"
        f" {m}_sum DOUBLE PRECISION NOT NULL" for m in FIELDS_V1)
    return [
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        "INSERT INTO schema_version (version) VALUES (4)",
        # 1
        "CREATE TABLE devices ( id INTEGER PRIMARY KEY, uuid VARCHAR(36) NOT NULL UNIQUE,"
        " device_id VARCHAR(64) NOT NULL UNIQUE, hostname VARCHAR(253) NOT NULL DEFAULT '',"
        " agent_version VARCHAR(32) NOT NULL DEFAULT '', interval_seconds INTEGER NOT NULL"
        " DEFAULT 10, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_seen BIGINT"
        " NOT NULL, reports_received BIGINT NOT NULL DEFAULT 0, reports_lost BIGINT NOT NULL"
        " DEFAULT 0, run_id BIGINT NOT NULL DEFAULT 0, last_sequence BIGINT NOT NULL DEFAULT 0)",
        "CREATE TABLE system_metrics ( device BIGINT NOT NULL REFERENCES devices(id), ts BIGINT"
        " NOT NULL, cpu_percent DOUBLE PRECISION NOT NULL, memory_percent DOUBLE PRECISION NOT"
        " NULL, memory_used_kb BIGINT NOT NULL, memory_total_kb BIGINT NOT NULL, disk_percent"
        " DOUBLE PRECISION NOT NULL, disk_used_kb BIGINT NOT NULL, disk_total_kb BIGINT NOT"
        " NULL, load_1 DOUBLE PRECISION NOT NULL, load_5 DOUBLE PRECISION NOT NULL, load_15"
        " DOUBLE PRECISION NOT NULL, uptime_seconds BIGINT NOT NULL, run_id BIGINT NOT NULL,"
        " sequence BIGINT NOT NULL)",
        "CREATE INDEX system_metrics_device_ts ON system_metrics (device, ts)",
        "CREATE TABLE network_metrics ( device BIGINT NOT NULL REFERENCES devices(id), ts BIGINT"
        " NOT NULL, interface VARCHAR(15) NOT NULL, ip_address VARCHAR(45) NOT NULL, mac_address"
        " VARCHAR(59) NOT NULL, rx_bytes BIGINT NOT NULL, tx_bytes BIGINT NOT NULL, rx_packets"
        " BIGINT NOT NULL, tx_packets BIGINT NOT NULL)",
        "CREATE INDEX network_metrics_device_ts ON network_metrics (device, ts)",
        # 2
        "CREATE TABLE system_metrics_1m ( device BIGINT NOT NULL REFERENCES devices(id), ts"
        " BIGINT NOT NULL, samples BIGINT NOT NULL, first_ts BIGINT NOT NULL, last_ts BIGINT NOT"
        " NULL" + minute_columns + ", PRIMARY KEY (device, ts))",
        "CREATE TABLE network_metrics_1m ( device BIGINT NOT NULL REFERENCES devices(id), ts"
        " BIGINT NOT NULL, interface VARCHAR(15) NOT NULL, samples BIGINT NOT NULL, first_ts"
        " BIGINT NOT NULL, last_ts BIGINT NOT NULL, rx_rate_min DOUBLE PRECISION, rx_rate_max"
        " DOUBLE PRECISION, tx_rate_min DOUBLE PRECISION, tx_rate_max DOUBLE PRECISION, PRIMARY"
        " KEY (device, ts, interface))",
        # 3
        "ALTER TABLE devices ADD COLUMN stored_sequence BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE devices ADD COLUMN stored_above TEXT NOT NULL DEFAULT ''",
        # 4
        "ALTER TABLE system_metrics ADD COLUMN disk_available_kb BIGINT NOT NULL DEFAULT 0",
    ] + [f"ALTER TABLE system_metrics_1m ADD COLUMN disk_available_kb_{a} DOUBLE PRECISION"
         " NOT NULL DEFAULT 0" for a in ("min", "max", "sum")]


def ms(text):
    """Milliseconds since the epoch of a UTC time."""
    epoch = datetime.datetime(1970, 1, 1)
    return (datetime.datetime.fromisoformat(text) - epoch) // datetime.timedelta(milliseconds=1)


def percent_of(part, whole):
    """dmr::SystemSample's percentOf: hundredths, half away from zero."""
    return 0.0 if whole == 0 else math.floor(10000.0 * part / whole + 0.5) / 100.0


def sql_value(value):
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, float) and value == math.floor(value) and abs(value) < 2**53:
        return str(int(value))  # a REAL column stores it as a real all the same
    return repr(value)


class Interface:
    def __init__(self, name, ip, mac, rx, tx, rx_rate, tx_rate, packet_bytes):
        self.name, self.ip, self.mac = name, ip, mac
        self.rx, self.tx = rx, tx
        self.rx_rate, self.tx_rate = rx_rate, tx_rate  # mean bytes/s at the busiest hour
        self.packet_bytes = packet_bytes
        self.rx_packets = rx // packet_bytes
        self.tx_packets = tx // (packet_bytes // 2)


class Device:
    """One agent's reports as the console stored them."""

    def __init__(self, rng, device, interval_s, memory_total_kb, disk_total_kb, cores):
        self.rng = rng
        self.device = device
        self.interval_s = interval_s
        self.memory_total_kb = memory_total_kb
        self.disk_total_kb = disk_total_kb
        self.disk_reserved_kb = disk_total_kb // 20  # root's 5 %
        self.cores = cores
        self.system = []  # rows in system_metrics' column order (migration 4's last)
        self.network = []
        self.lost = 0

    def boot(self, run_id, boot_ms, interfaces):
        self.run_id = run_id
        self.sequence = 0
        self.boot_ms = boot_ms
        self.interfaces = interfaces
        self.cpu = 300  # hundredths of a percent
        self.memory_used_kb = self.memory_total_kb // 5
        self.loads = [30, 40, 50]  # hundredths

    def busy(self, ts):
        hour = (ts // 3600000) % 24
        # Quiet at night (UTC), busy in the afternoon.
        return 0.15 + 0.85 * max(0.0, math.sin((hour - 6) / 24 * 2 * math.pi))

    def report(self, ts, disk_used_kb, lost=False):
        rng = self.rng
        self.sequence += 1
        busy = self.busy(ts)
        dt = ts - self.system[-1][1] if self.system else self.interval_s * 1000
        for i in self.interfaces:
            rx = int(i.rx_rate * busy * dt / 1000 * rng.uniform(0.2, 1.8))
            tx = int(i.tx_rate * busy * dt / 1000 * rng.uniform(0.2, 1.8))
            i.rx += rx
            i.tx += tx
            i.rx_packets += rx // i.packet_bytes + rng.randint(0, 9)
            i.tx_packets += tx // (i.packet_bytes // 2) + rng.randint(0, 9)
        target = int(10000 * busy * 0.6)
        self.cpu = max(5, min(10000, self.cpu + (target - self.cpu) // 4 + rng.randint(-400, 400)))
        self.memory_used_kb = max(
            self.memory_total_kb // 8,
            min(self.memory_total_kb * 9 // 10,
                self.memory_used_kb + rng.randint(-6000, 6300)))
        load = int(self.cpu * self.cores / 100)
        self.loads[0] = max(0, self.loads[0] + (load - self.loads[0]) // 3 + rng.randint(-8, 8))
        self.loads[1] = max(0, self.loads[1] + (self.loads[0] - self.loads[1]) // 5)
        self.loads[2] = max(0, self.loads[2] + (self.loads[1] - self.loads[2]) // 15)
        if lost:  # sent, never arrived
            self.lost += 1
            return
        available_kb = self.disk_total_kb - self.disk_reserved_kb - disk_used_kb
        uptime = 35 + (ts - self.boot_ms) // 1000
        self.system.append([
            self.device, ts, self.cpu / 100.0,
            percent_of(self.memory_used_kb, self.memory_total_kb),
            self.memory_used_kb, self.memory_total_kb,
            percent_of(disk_used_kb, disk_used_kb + available_kb), disk_used_kb,
            self.disk_total_kb, self.loads[0] / 100.0, self.loads[1] / 100.0,
            self.loads[2] / 100.0, uptime, self.run_id, self.sequence, available_kb])
        for i in sorted(self.interfaces, key=lambda i: i.name):
            self.network.append([self.device, ts, i.name, i.ip, i.mac, i.rx, i.tx,
                                 i.rx_packets, i.tx_packets])

    def run(self, start_ms, end_ms, disk_used_kb, lose=0.0):
        ts = start_ms
        while ts < end_ms:
            disk_used_kb += self.rng.randint(-200, 260)
            self.report(ts, disk_used_kb, lost=self.rng.random() < lose)
            ts += self.interval_s * 1000 + self.rng.randint(-1500, 1500)
        return ts, disk_used_kb


def system_minutes(rows):
    """MinuteRollup: per device and minute, samples, first and last time, and
    the min, max and sum of each field, in migration 4's column order."""
    index = {name: n for n, name in enumerate(
        ["device", "ts", "cpu_percent", "memory_percent", "memory_used_kb", "memory_total_kb",
         "disk_percent", "disk_used_kb", "disk_total_kb", "load_1", "load_5", "load_15",
         "uptime_seconds", "run_id", "sequence", "disk_available_kb"])}
    minutes = {}
    for row in sorted(rows, key=lambda r: (r[0], r[1])):
        key = (row[0], row[1] // MINUTE_MS * MINUTE_MS)
        values = [float(row[index[f]]) for f in FIELDS_V4]
        m = minutes.get(key)
        if m is None:
            minutes[key] = {"samples": 1, "first": row[1], "last": row[1],
                            "min": list(values), "max": list(values), "sum": list(values)}
            continue
        m["samples"] += 1
        m["first"] = min(m["first"], row[1])
        m["last"] = max(m["last"], row[1])
        for n, v in enumerate(values):
            m["min"][n] = min(m["min"][n], v)
            m["max"][n] = max(m["max"][n], v)
            m["sum"][n] += v
    out = []
    for (device, ts), m in sorted(minutes.items()):
        row = [device, ts, m["samples"], m["first"], m["last"]]
        for n in range(len(FIELDS_V4)):
            row += [m["min"][n], m["max"][n], m["sum"][n]]
        out.append(row)
    return out


def rate(from_ms, before, to_ms, after):
    """NetworkMinuteRollup::rate: bytes/s, none when the counter went back."""
    if to_ms <= from_ms or after < before:
        return None
    return float(after - before) * 1000.0 / float(to_ms - from_ms)


def network_minutes(rows):
    """NetworkMinuteRollup: per device, minute and interface, the samples and
    the min and max rates from each interface's sample before."""
    minutes = {}
    previous = {}
    for row in sorted(rows, key=lambda r: (r[0], r[1], r[2])):
        device, ts, name, rx, tx = row[0], row[1], row[2], row[5], row[6]
        key = (device, ts // MINUTE_MS * MINUTE_MS, name)
        m = minutes.setdefault(key, {"samples": 0, "first": ts, "last": ts, "rx": [], "tx": []})
        m["samples"] += 1
        m["first"] = min(m["first"], ts)
        m["last"] = max(m["last"], ts)
        before = previous.get((device, name))
        if before:
            for side, counter, value in (("rx", 1, rx), ("tx", 2, tx)):
                r = rate(before[0], before[counter], ts, value)
                if r is not None:
                    m[side].append(r)
        previous[(device, name)] = (ts, rx, tx)
    out = []
    for (device, ts, name), m in sorted(minutes.items()):
        out.append([device, ts, name, m["samples"], m["first"], m["last"],
                    min(m["rx"], default=None), max(m["rx"], default=None),
                    min(m["tx"], default=None), max(m["tx"], default=None)])
    return out


def inserts(table, rows):
    out = []
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start:start + ROWS_PER_INSERT]
        out.append(f"INSERT INTO {table} VALUES\n" + ",\n".join(
            "(" + ",".join(sql_value(v) for v in row) + ")" for row in chunk) + ";")
    return out


def main():
    rng = random.Random(20261120)

    # A Raspberry Pi in the garage: a report every two minutes for two days,
    # rebooted into a newer agent on the second afternoon.
    pi = Device(rng, 1, 120, 3884084, 30044096, 4)
    pi_start = ms("2026-11-20T21:36:41.250")
    pi.boot(2654435769, pi_start - 8640000 * 1000, [
        Interface("eth0", "192.168.1.20", "dc:a6:32:00:4f:9e", 98765432109, 12345678901,
                  180000, 25000, 1100),
        Interface("wlan0", "fe80::dea6:32ff:fe01:4f9e", "dc:a6:32:01:4f:9e", 1203040,
                  2405060, 900, 400, 300)])
    reboot = ms("2026-11-22T14:23:05.000")
    ts, disk = pi.run(pi_start, reboot, 18453120, lose=0.004)
    pi_before_reboot = pi.sequence
    back = ts + 95000  # the reboot's gap
    pi.boot(3141592653, back - 35000, [
        Interface("eth0", "192.168.1.20", "dc:a6:32:00:4f:9e", 4096, 2048, 180000, 25000,
                  1100),
        Interface("wlan0", "fe80::dea6:32ff:fe01:4f9e", "dc:a6:32:01:4f:9e", 0, 0, 900, 400,
                  300)])
    pi_end = ms("2026-11-23T00:42:10.000")
    pi.run(back, pi_end, disk - 250000)  # the update cleaned the apt cache

    # An office NUC, every 20 s, added on the second evening.
    nuc = Device(rng, 2, 20, 16314060, 479597248, 8)
    nuc_start = ms("2026-11-22T18:07:31.830")
    nuc.boot(7, nuc_start - 3600 * 1000, [
        Interface("enp3s0", "192.168.1.31", "1c:69:7a:0b:22:e4", 5348021743, 913374221,
                  2500000, 400000, 1300),
        Interface("docker0", "172.17.0.1", "02:42:5e:9a:11:03", 10240, 88001, 20000,
                  60000, 600)])
    nuc_end = ms("2026-11-23T00:08:42.000")
    ts, disk = nuc.run(nuc_start, nuc_end, 102400000)
    # The last four reports: the first of them was lost on the way, and its
    # resend never came; what is on disk above it is in stored_above.
    for n in range(4):
        disk += rng.randint(-200, 260)
        nuc.report(ts, disk, lost=n == 0)
        ts += nuc.interval_s * 1000 + rng.randint(-1500, 1500)

    system = pi.system + nuc.system
    network = pi.network + nuc.network
    last_pi, last_nuc = pi.system[-1], nuc.system[-1]

    devices = [
        # id, uuid, device_id, hostname, agent_version, interval_seconds, created_at,
        # updated_at, last_seen, reports_received, reports_lost, run_id, last_sequence,
        # stored_sequence, stored_above
        (1, "0b7f3a52-5d1e-4c1a-9f7e-2f6a1d3c4b5a", "4c4c4544004a3510804bb2c04f585032",
         "raspberrypi-garage", "0.4.0", 120, 1794237123456, back + 412, last_pi[1] + 38,
         len(pi.system), pi.lost, 3141592653, pi.sequence, pi.sequence, ""),
        (2, "e2c4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d", "office-nuc", "nuc.office.lan", "0.3.2", 20,
         nuc_start + 41, nuc_start + 41, last_nuc[1] + 12, len(nuc.system), nuc.lost, 7,
         nuc.sequence, nuc.sequence - 4, "0e"),
        # Registered over HTTP (no system metrics), never reported since.
        (3, "5f0e9c2d-7a41-4e3b-b6d8-0c1a2b3c4d5e", "build-server-02", "build02.lan", "0.4.0", 10,
         1795100000000, 1795100000000, 1795100000000, 1, 0, 12345, 1, 1, ""),
    ]

    print("-- SPDX-License-Identifier: MIT")
    print("-- A metrics database as console schema version 4 (SQLite) leaves it: three")
    print("-- devices, two days of reports and their minute rollups. Written by")
    print("-- make-schema-v4.py; statements end in ';' at the end of a line.")
    print(f"-- {len(system)} system rows, {len(network)} network rows; device 1 rebooted after"
          f" sequence {pi_before_reboot} of run 2654435769.")
    for statement in schema():
        print(statement + ";")
    for statement in inserts("devices", [list(d) for d in devices]):
        print(statement)
    # system_metrics' columns as migration 4 left them: disk_available_kb last.
    for statement in inserts("system_metrics", sorted(system, key=lambda r: (r[1], r[0]))):
        print(statement)
    for statement in inserts("network_metrics",
                             sorted(network, key=lambda r: (r[1], r[0], r[2]))):
        print(statement)
    for statement in inserts("system_metrics_1m", system_minutes(system)):
        print(statement)
    for statement in inserts("network_metrics_1m", network_minutes(network)):
        print(statement)


if __name__ == "__main__":
    main()
