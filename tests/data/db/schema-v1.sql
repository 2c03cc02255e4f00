-- SPDX-License-Identifier: MIT
-- A metrics database as console schema version 1 (SQLite) leaves it: two
-- devices, a few reports. Statements end in ';' at the end of a line.
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE devices ( id INTEGER PRIMARY KEY, uuid VARCHAR(36) NOT NULL UNIQUE, device_id VARCHAR(64) NOT NULL UNIQUE, hostname VARCHAR(253) NOT NULL DEFAULT '', agent_version VARCHAR(32) NOT NULL DEFAULT '', interval_seconds INTEGER NOT NULL DEFAULT 10, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_seen BIGINT NOT NULL, reports_received BIGINT NOT NULL DEFAULT 0, reports_lost BIGINT NOT NULL DEFAULT 0, run_id BIGINT NOT NULL DEFAULT 0, last_sequence BIGINT NOT NULL DEFAULT 0);
CREATE TABLE system_metrics ( device BIGINT NOT NULL REFERENCES devices(id), ts BIGINT NOT NULL, cpu_percent DOUBLE PRECISION NOT NULL, memory_percent DOUBLE PRECISION NOT NULL, memory_used_kb BIGINT NOT NULL, memory_total_kb BIGINT NOT NULL, disk_percent DOUBLE PRECISION NOT NULL, disk_used_kb BIGINT NOT NULL, disk_total_kb BIGINT NOT NULL, load_1 DOUBLE PRECISION NOT NULL, load_5 DOUBLE PRECISION NOT NULL, load_15 DOUBLE PRECISION NOT NULL, uptime_seconds BIGINT NOT NULL, run_id BIGINT NOT NULL, sequence BIGINT NOT NULL);
CREATE INDEX system_metrics_device_ts ON system_metrics (device, ts);
CREATE TABLE network_metrics ( device BIGINT NOT NULL REFERENCES devices(id), ts BIGINT NOT NULL, interface VARCHAR(15) NOT NULL, ip_address VARCHAR(45) NOT NULL, mac_address VARCHAR(59) NOT NULL, rx_bytes BIGINT NOT NULL, tx_bytes BIGINT NOT NULL, rx_packets BIGINT NOT NULL, tx_packets BIGINT NOT NULL);
CREATE INDEX network_metrics_device_ts ON network_metrics (device, ts);
INSERT INTO devices VALUES (1, '0b7f3a52-5d1e-4c1a-9f7e-2f6a1d3c4b5a', '4c4c4544004a3510804bb2c04f585032', 'raspberrypi-garage', '0.1.0', 10, 1795000000000, 1795000000000, 1795000020000, 3, 1, 2654435769, 4);
INSERT INTO devices VALUES (2, 'e2c4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d', 'office-nuc', 'nuc.office.lan', '0.1.2', 30, 1795000005000, 1795000010000, 1795000010000, 1, 0, 7, 1);
INSERT INTO system_metrics VALUES (1, 1795000000000, 37.25, 44.66, 1734560, 3884084, 61.42, 18453120, 30044096, 1.42, 0.97, 0.65, 8640123, 2654435769, 1);
INSERT INTO system_metrics VALUES (1, 1795000010000, 12.5, 44.7, 1736000, 3884084, 61.42, 18453200, 30044096, 1.3, 0.95, 0.64, 8640133, 2654435769, 2);
INSERT INTO system_metrics VALUES (1, 1795000020000, 5, 44.71, 1736500, 3884084, 61.42, 18453300, 30044096, 1.1, 0.93, 0.64, 8640143, 2654435769, 4);
INSERT INTO system_metrics VALUES (2, 1795000010000, 2.75, 12.5, 2048000, 16384000, 20, 100000000, 500000000, 0.1, 0.2, 0.3, 3600, 7, 1);
INSERT INTO network_metrics VALUES (1, 1795000000000, 'eth0', '192.168.1.20', 'dc:a6:32:00:4f:9e', 98765432109, 12345678901, 87654321, 7654321);
INSERT INTO network_metrics VALUES (1, 1795000000000, 'wlan0', 'fe80::dea6:32ff:fe01:4f9e', 'dc:a6:32:01:4f:9e', 1000, 2000, 10, 20);
INSERT INTO network_metrics VALUES (1, 1795000010000, 'eth0', '192.168.1.20', 'dc:a6:32:00:4f:9e', 98765532109, 12345778901, 87654421, 7654421);
INSERT INTO network_metrics VALUES (2, 1795000010000, 'enp3s0', '10.0.0.7', '1c:69:7a:0a:0b:0c', 5, 6, 7, 8);
