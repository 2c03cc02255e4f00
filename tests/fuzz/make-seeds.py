#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of fuzz_decode (tests/fuzz/corpus/decode/) and
fuzz_ingest (tests/fuzz/corpus/ingest/) from text-format messages, with
protoc --encode. Run from anywhere; needs protoc."""
import hashlib
import hmac
import pathlib
import subprocess

root = pathlib.Path(__file__).resolve().parents[2]
proto = root / "proto"
out = root / "tests" / "fuzz" / "corpus" / "decode"
ingest_out = root / "tests" / "fuzz" / "corpus" / "ingest"


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


def labels_hash(labels):
    """FNV-1a 32-bit over the labels sorted by name, each "name=value\\n" (0 sent as 1)."""
    value = 2166136261
    for name, text in sorted(labels):
        for byte in f"{name}={text}\n".encode():
            value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value or 1


# Sent unsorted, as another agent might: the codec sorts them.
labels = [("role", "gateway"), ("location", "lab 4"), ("rack", "")]
labelled = " ".join(f'labels {{ name: "{n}" value: "{v}" }}' for n, v in labels)

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
    "labels": datagram(f'device_id: "pi-garage" {head} {system} {eth0} {labelled}'
                       f' labels_hash: {labels_hash(labels)}'),
    "labels-hash-only": datagram(f'device_id: "pi-garage" {head} {system} {eth0}'
                                 f' labels_hash: {labels_hash(labels)}'),
    "many-interfaces": datagram(f'device_id: "router" {head} {system} ' + " ".join(
        eth0.replace('"eth0"', f'"veth{i}"') for i in range(12))),
}

# fuzz_ingest: datagrams of its console's one keyed device, signed as
# common/dmr/Seal.cpp does (HMAC-SHA-256 over "dmr1", kind, level, key id and
# send time, big-endian, then the payload), at the target's fixed now.
FUZZ_KEY = bytes(range(32))
FUZZ_KEY_ID = 7
NOW_MS = 1795000000000
SEPARATOR = b"\xff\xfeDMR"


def signed(sequence, sent=NOW_MS, key=FUZZ_KEY):
    payload = encode("Report", f'device_id: "fuzz-device" hostname: "fuzz" agent_version: 256'
                     f' interval_seconds: 1 run_id: 77 sequence: {sequence}'
                     f' sample_time_ms: {sent} {system} {eth0}')
    header = (b"dmr1" + bytes([0, 1]) + FUZZ_KEY_ID.to_bytes(4, "big")
              + sent.to_bytes(8, "big"))
    tag = hmac.new(key, header + payload, hashlib.sha256).digest()
    return encode("Datagram", f'payload: "{escaped(payload)}" security: SECURITY_SIGN'
                  f' key_id: {FUZZ_KEY_ID} tag: "{escaped(tag)}" sent_time_ms: {sent}')


ingest_seeds = {
    # A run with a gap, a late arrival and a replay.
    "signed-run": SEPARATOR.join([signed(1), signed(2), signed(4), signed(3), signed(2)]),
    "signed-one": signed(1),
    "signed-far-future": signed(1, sent=NOW_MS + 3600 * 1000),
    "signed-wrong-key": signed(1, key=bytes(32)),
    "unsigned-from-keyed-device": datagram(f'device_id: "fuzz-device" {head} {system}'),
    "garbage-between": SEPARATOR.join([signed(1), b"\x08\x01garbage", signed(2)]),
}

for folder, corpus in ((out, seeds), (ingest_out, ingest_seeds)):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in corpus.items():
        (folder / name).write_bytes(data)
        print(f"{folder.name}/{name}: {len(data)} bytes")
