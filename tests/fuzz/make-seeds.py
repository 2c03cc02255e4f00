#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz_decode (tests/fuzz/corpus/decode/) from
text-format messages, with protoc --encode. Run from anywhere; needs protoc."""
import pathlib
import subprocess

root = pathlib.Path(__file__).resolve().parents[2]
proto = root / "proto"
out = root / "tests" / "fuzz" / "corpus" / "decode"


def encode(message, text):
    return subprocess.run(
        ["protoc", f"--proto_path={proto}", f"--encode=dmr.v1.{message}", "metrics.proto"],
        input=text.encode(), capture_output=True, check=True).stdout


def escaped(data):
    return "".join(f"\\{b:03o}" for b in data)


def datagram(report_text, extra=""):
    return encode("Datagram", f'payload: "{escaped(encode("Report", report_text))}" {extra}')


system = """system { cpu_centi_percent: 3725 memory_used_kb: 1734560 memory_total_kb: 3884084
  disk_used_kb: 18453120 disk_total_kb: 30044096 load_1_centi: 142 load_5_centi: 97
  load_15_centi: 65 uptime_seconds: 8640123 }"""
eth0 = """interfaces { name: "eth0" ip: "\\300\\250\\001\\024" mac: "\\334\\246\\062\\000\\117\\236"
  rx_bytes: 98765432109 tx_bytes: 12345678901 rx_packets: 87654321 tx_packets: 7654321 }"""
wlan0 = """interfaces { name: "wlan0" ip: "\\376\\200\\000\\000\\000\\000\\000\\000\\336\\246\\062\\377\\376\\001\\117\\236"
  mac: "\\334\\246\\062\\001\\117\\236" rx_bytes: 1000 tx_bytes: 2000 rx_packets: 10 tx_packets: 20 }"""
head = """hostname: "raspberrypi-garage" agent_version: 256 interval_seconds: 10
  run_id: 2654435769 sequence: 4 sample_time_ms: 1795000020000"""

seeds = {
    "pi-two-interfaces": datagram(f'device_id: "pi-garage" {head} {system} {eth0} {wlan0}'),
    "hex-device-id": datagram(
        f'device_id_hex: "{escaped(bytes.fromhex("5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f"))}" {head} {system} {eth0}'),
    "no-interfaces": datagram(f'device_id: "sensor-7" {head} {system}'),
    "no-system": datagram(f'device_id: "sensor-7" {head}'),
    "signed": datagram(f'device_id: "pi" {head} {system}',
                       'security: SECURITY_SIGN tag: "0123456789abcdef0123456789abcdef" key_id: 7'),
    "empty-payload": encode("Datagram", 'payload: ""'),
    # fuzz_decode also takes its input as a report payload and seals it.
    "report-payload": encode("Report", f'device_id: "pi-garage" {head} {system} {eth0}'),
    "ack": encode("Datagram", 'kind: KIND_ACK sent_time_ms: 1795000020000 payload: "'
                  + escaped(encode("Ack", "run_id: 2654435769 contiguous: 41 stored_above: 5"))
                  + '"'),
    "many-interfaces": datagram(f'device_id: "router" {head} {system} ' + " ".join(
        eth0.replace('"eth0"', f'"veth{i}"') for i in range(12))),
}
out.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    (out / name).write_bytes(data)
    print(f"{name}: {len(data)} bytes")
