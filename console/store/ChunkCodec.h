// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dmr::console {

// Rows of one table as columns, for a chunk: a closed time range of one
// device's history stored as one BLOB instead of a row per sample.
struct Column
{
    enum class Type : std::uint8_t { Integer = 1, Real = 2, Text = 3 };

    Type type = Type::Integer;
    std::vector<std::int64_t> integers;
    std::vector<double> reals;
    std::vector<std::string> texts; // UTF-8

    static Column ofIntegers(std::vector<std::int64_t> values);
    static Column ofReals(std::vector<double> values);
    static Column ofTexts(std::vector<std::string> values);
    std::size_t size() const;
    // Bit for bit: -0.0 and 0.0 differ, as they would in the rows replaced.
    bool operator==(const Column &other) const;
};

struct ColumnBlock
{
    std::vector<Column> columns;
    std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
    bool operator==(const ColumnBlock &other) const { return columns == other.columns; }
};

// Encodes a block losslessly and compactly, the way time-series stores do
// (Gorilla, Prometheus, Netdata): each column on its own, integers as
// zigzag varints of their deltas or of their deltas' deltas (whichever is
// smaller: times and counters rise steadily, gauges wander), reals that are
// hundredths (percentages, loads) as those integers and others as their bits
// XOR the previous value's, texts as a dictionary and runs; then the whole
// through zstd. decode(encode(b)) == b, bit for bit, for any block.
namespace ChunkCodec {

constexpr std::uint8_t kVersion = 1;

QByteArray encode(const ColumnBlock &block, int zstdLevel = 3);
// nullopt with the reason for anything encode() did not make: a truncated,
// corrupt or future-version chunk never crashes and never decodes to garbage
// silently (a CRC guards the whole).
std::optional<ColumnBlock> decode(const QByteArray &chunk, QString *error);

} // namespace ChunkCodec

} // namespace dmr::console
