// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace dmr {

// Why a datagram was refused. Every value is a counter in the console.
enum class RejectReason {
    None,
    Oversize, // more than kMaxDatagramSize bytes, not parsed at all
    Empty, // zero bytes
    Malformed, // not a protobuf Datagram/Report
    Unsupported, // a security level this build cannot check
    Invalid, // parsed, but a field is missing or out of range
};
constexpr int kRejectReasonCount = 6;

const char *rejectReasonName(RejectReason reason);

constexpr std::size_t kMaxDatagramSize = 1200;
// Room left in a datagram for the envelope at its largest (Encrypt: nonce,
// tag, key id, send time), so a report fits whatever the security level.
constexpr std::size_t kMaxEnvelopeOverhead = 80;
constexpr std::size_t kMaxInterfaces = 32;
constexpr std::size_t kMaxDeviceIdLength = 64;
constexpr std::size_t kMaxHostnameLength = 253;
constexpr std::size_t kMaxInterfaceNameLength = 15; // IFNAMSIZ - 1
constexpr std::uint32_t kMaxIntervalSeconds = 86400;
constexpr std::size_t kMaxLabels = 32;
constexpr std::size_t kMaxLabelNameLength = 64;
constexpr std::size_t kMaxLabelValueLength = 253; // bytes of UTF-8
// Names and values of all labels together: with the per-label overhead of
// the wire format, the most a report's labels take still leaves room for the
// largest device id, host name and system metrics within kMaxDatagramSize
// (tests/common/tst_codec.cpp checks it).
constexpr std::size_t kMaxLabelsLength = 384;
// A board's hardware (HardwareSample): generous for a server, so that no real
// machine is refused. When a datagram would be too large the encoder leaves
// out interfaces beyond kKeptInterfaces, then processes, then the other
// interfaces; the agent trims the rest first (ReportBuilder::fitToDatagram).
constexpr std::size_t kMaxCores = 1024;
// Interfaces the encoder keeps before it leaves out processes.
constexpr std::size_t kKeptInterfaces = 4;
constexpr std::size_t kMaxTemperatures = 32;
constexpr std::size_t kMaxSensorNameLength = 48;
constexpr std::size_t kMaxFileSystems = 24;
constexpr std::size_t kMaxMountLength = 128;
constexpr std::size_t kMaxFileSystemTypeLength = 24;
constexpr std::size_t kMaxProcesses = 10;
constexpr std::size_t kMaxProcessNameLength = 15; // TASK_COMM_LEN - 1
constexpr std::size_t kMaxFailedUnits = 32;
constexpr std::size_t kMaxUnitNameLength = 128;

struct DecodeResult
{
    std::optional<Report> report;
    RejectReason reason = RejectReason::None;
    std::string detail; // a human-readable why, for logs and tests

    bool ok() const { return report.has_value(); }
};

// Serializes a report into a payload for seal() (dmr/Seal.h). The report must
// pass validate(). The sealed datagram never exceeds kMaxDatagramSize:
// interfaces at the end of the list that do not fit are left out, so put the
// important ones first.
std::string encodeReport(const Report &report);
// The size of encodeReport(report) before anything is left out.
std::size_t encodedSize(const Report &report);
// Parses and validates a report payload (an opened envelope's).
DecodeResult decodeReport(const std::string &payload);

// A HardwareSample with its facts, as the console stores it: the wire's own
// compact form (a Report holding only these fields), names always included.
std::string encodeHardwareRecord(const HardwareSample &hardware);
// nullopt when the bytes are not such a record or fail validateHardware().
std::optional<HardwareSample> decodeHardwareRecord(const std::string &bytes);

// encodeReport() sealed with Security::None and no send time.
std::string encode(const Report &report);

// Parses and validates one unprotected datagram (Security::None; a signed or
// encrypted one is Unsupported here: the console opens those with the
// device's key first). Never throws; anything over kMaxDatagramSize is
// refused before parsing, so memory use is bounded.
DecodeResult decode(const void *data, std::size_t size);
inline DecodeResult decode(const std::string &bytes)
{
    return decode(bytes.data(), bytes.size());
}

// The console's acknowledgement of one agent run (proto/metrics.proto's Ack).
struct Ack
{
    std::uint32_t runId = 0;
    std::uint64_t contiguous = 0; // every sequence 1..contiguous is stored
    std::uint64_t storedAbove = 0; // bit i: contiguous + 2 + i is stored too

    // Whether the console has stored this sequence.
    bool stored(std::uint64_t sequence) const;
    bool operator==(const Ack &other) const;
};
std::string encodeAck(const Ack &ack);
std::optional<Ack> decodeAck(const std::string &payload);

// Checks ranges, lengths and required fields. Returns an empty string when
// the report is valid, otherwise what is wrong.
std::string validate(const Report &report);

// The rules for labels (proto/metrics.proto), which the agent's configuration
// checks too: at most kMaxLabels, sorted by name and each name once, a name
// of 1 to 64 characters [A-Za-z_][A-Za-z0-9_.-]*, a value of at most 253
// bytes of UTF-8 without control characters, kMaxLabelsLength in all. Returns
// an empty string when they are valid, otherwise what is wrong.
std::string validateLabels(const Labels &labels);
bool isLabelName(const std::string &name);
// The hardware part of a report; names may be empty only where the report
// does not carry its facts (Report::factsIncluded).
std::string validateHardware(const HardwareSample &hardware, bool namesRequired);
bool isLabelValue(const std::string &value);

} // namespace dmr
