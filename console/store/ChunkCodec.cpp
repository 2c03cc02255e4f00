// SPDX-License-Identifier: MIT
#include "store/ChunkCodec.h"

#include <cmath>
#include <cstring>
#include <unordered_map>
#include <zstd.h>

namespace dmr::console {

namespace {

// How a column's values are laid out in its part of the chunk.
enum class Encoding : std::uint8_t {
    Constant = 0, // integers: one value for every row
    Delta = 1, // integers: first value, then differences
    DeltaOfDelta = 2, // integers: first value, first difference, then their differences
    Hundredths = 3, // reals: value x 100 as integers, followed by an integer encoding
    XorBits = 4, // reals: IEEE bits XOR the previous value's, 8 bytes each
    Runs = 5, // texts: dictionary, then (index, length) runs
};

// Far below what a chunk holds (hours of one device): a bound for decode, so
// that a corrupt length never asks for gigabytes.
constexpr std::uint64_t kMaxRows = 1u << 22;
constexpr std::uint64_t kMaxColumns = 256;
constexpr std::size_t kMaxDecodedBytes = std::size_t(1) << 30;

std::uint64_t zigzag(std::int64_t value)
{
    return (std::uint64_t(value) << 1) ^ std::uint64_t(value >> 63);
}

std::int64_t unzigzag(std::uint64_t value)
{
    return std::int64_t((value >> 1) ^ (~(value & 1) + 1));
}

void putVarint(std::string *out, std::uint64_t value)
{
    while (value >= 0x80) {
        out->push_back(char(value | 0x80));
        value >>= 7;
    }
    out->push_back(char(value));
}

void putBytes(std::string *out, const std::string &bytes)
{
    putVarint(out, bytes.size());
    out->append(bytes);
}

// Reads what the writer above wrote; every read checks the bounds and a
// failed one leaves the reader failed, so decoding corrupt input stops.
class Reader
{
public:
    Reader(const char *data, std::size_t size)
        : m_data(data)
        , m_size(size)
    { }
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_at == m_size; }
    std::uint64_t varint()
    {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64 && m_ok; shift += 7) {
            if (m_at >= m_size)
                break;
            const auto byte = std::uint8_t(m_data[m_at++]);
            value |= std::uint64_t(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                return value;
        }
        m_ok = false;
        return 0;
    }
    std::uint8_t byte()
    {
        if (m_at >= m_size) {
            m_ok = false;
            return 0;
        }
        return std::uint8_t(m_data[m_at++]);
    }
    std::string bytes(std::uint64_t count)
    {
        if (count > m_size - m_at) {
            m_ok = false;
            return {};
        }
        std::string out(m_data + m_at, std::size_t(count));
        m_at += std::size_t(count);
        return out;
    }
    std::uint64_t fixed64()
    {
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i)
            value |= std::uint64_t(byte()) << (8 * i);
        return value;
    }

private:
    const char *m_data;
    std::size_t m_size;
    std::size_t m_at = 0;
    bool m_ok = true;
};

std::string encodeIntegersAs(const std::vector<std::int64_t> &values, Encoding encoding)
{
    std::string out;
    out.push_back(char(encoding));
    if (values.empty())
        return out;
    putVarint(&out, zigzag(values[0]));
    if (encoding == Encoding::Constant)
        return out;
    std::uint64_t previousDelta = 0;
    for (std::size_t i = 1; i < values.size(); ++i) {
        // Unsigned arithmetic wraps, so any two 64-bit values have a delta.
        const std::uint64_t delta = std::uint64_t(values[i]) - std::uint64_t(values[i - 1]);
        if (encoding == Encoding::Delta || i == 1)
            putVarint(&out, zigzag(std::int64_t(delta)));
        else
            putVarint(&out, zigzag(std::int64_t(delta - previousDelta)));
        previousDelta = delta;
    }
    return out;
}

std::string encodeIntegers(const std::vector<std::int64_t> &values)
{
    bool constant = true;
    for (std::int64_t value : values)
        constant = constant && value == values.front();
    if (constant)
        return encodeIntegersAs(values, Encoding::Constant);
    std::string delta = encodeIntegersAs(values, Encoding::Delta);
    std::string deltaOfDelta = encodeIntegersAs(values, Encoding::DeltaOfDelta);
    return deltaOfDelta.size() < delta.size() ? deltaOfDelta : delta;
}

bool decodeIntegers(Reader *in, std::size_t rows, std::vector<std::int64_t> *values)
{
    const auto encoding = Encoding(in->byte());
    values->clear();
    values->reserve(rows);
    if (rows == 0)
        return in->ok();
    values->push_back(unzigzag(in->varint()));
    switch (encoding) {
    case Encoding::Constant:
        values->resize(rows, values->front());
        return in->ok();
    case Encoding::Delta:
    case Encoding::DeltaOfDelta: {
        std::uint64_t delta = 0;
        for (std::size_t i = 1; i < rows && in->ok(); ++i) {
            const auto next = std::uint64_t(unzigzag(in->varint()));
            delta = encoding == Encoding::Delta || i == 1 ? next : delta + next;
            values->push_back(std::int64_t(std::uint64_t(values->back()) + delta));
        }
        return in->ok();
    }
    default:
        return false;
    }
}

std::uint64_t bitsOf(double value)
{
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

double realOf(std::uint64_t bits)
{
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// The integer k with k / 100.0 == value bit for bit, if there is one.
std::optional<std::int64_t> hundredths(double value)
{
    if (!(std::fabs(value) < 9e15))
        return std::nullopt;
    const auto k = std::int64_t(std::llround(value * 100.0));
    if (bitsOf(double(k) / 100.0) != bitsOf(value))
        return std::nullopt;
    return k;
}

std::string encodeReals(const std::vector<double> &values)
{
    std::vector<std::int64_t> scaled;
    scaled.reserve(values.size());
    for (double value : values) {
        const std::optional<std::int64_t> k = hundredths(value);
        if (!k)
            break;
        scaled.push_back(*k);
    }
    std::string out;
    if (scaled.size() == values.size()) {
        out.push_back(char(Encoding::Hundredths));
        out += encodeIntegers(scaled);
        return out;
    }
    out.push_back(char(Encoding::XorBits));
    std::uint64_t previous = 0;
    for (double value : values) {
        const std::uint64_t bits = bitsOf(value);
        const std::uint64_t x = bits ^ previous;
        for (int i = 0; i < 8; ++i)
            out.push_back(char(x >> (8 * i)));
        previous = bits;
    }
    return out;
}

bool decodeReals(Reader *in, std::size_t rows, std::vector<double> *values)
{
    const auto encoding = Encoding(in->byte());
    values->clear();
    values->reserve(rows);
    if (encoding == Encoding::Hundredths) {
        std::vector<std::int64_t> scaled;
        if (!decodeIntegers(in, rows, &scaled))
            return false;
        for (std::int64_t k : scaled)
            values->push_back(double(k) / 100.0);
        return true;
    }
    if (encoding != Encoding::XorBits)
        return false;
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < rows && in->ok(); ++i) {
        previous ^= in->fixed64();
        values->push_back(realOf(previous));
    }
    return in->ok();
}

std::string encodeTexts(const std::vector<std::string> &values)
{
    std::string out;
    out.push_back(char(Encoding::Runs));
    std::unordered_map<std::string, std::uint64_t> indexOf;
    std::vector<const std::string *> dictionary;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs; // (index, length)
    for (const std::string &value : values) {
        auto [it, added] = indexOf.try_emplace(value, dictionary.size());
        if (added)
            dictionary.push_back(&it->first);
        if (!runs.empty() && runs.back().first == it->second)
            ++runs.back().second;
        else
            runs.emplace_back(it->second, 1);
    }
    putVarint(&out, dictionary.size());
    for (const std::string *text : dictionary)
        putBytes(&out, *text);
    putVarint(&out, runs.size());
    for (const auto &[index, length] : runs) {
        putVarint(&out, index);
        putVarint(&out, length);
    }
    return out;
}

bool decodeTexts(Reader *in, std::size_t rows, std::vector<std::string> *values)
{
    if (Encoding(in->byte()) != Encoding::Runs)
        return false;
    const std::uint64_t words = in->varint();
    if (!in->ok() || words > rows)
        return false;
    std::vector<std::string> dictionary;
    dictionary.reserve(std::size_t(words));
    for (std::uint64_t i = 0; i < words && in->ok(); ++i)
        dictionary.push_back(in->bytes(in->varint()));
    const std::uint64_t runs = in->varint();
    if (!in->ok() || runs > rows)
        return false;
    values->clear();
    values->reserve(rows);
    for (std::uint64_t r = 0; r < runs && in->ok(); ++r) {
        const std::uint64_t index = in->varint();
        const std::uint64_t length = in->varint();
        if (!in->ok() || index >= dictionary.size() || length > rows - values->size())
            return false;
        values->insert(values->end(), std::size_t(length), dictionary[std::size_t(index)]);
    }
    return in->ok() && values->size() == rows;
}

} // namespace

Column Column::ofIntegers(std::vector<std::int64_t> values)
{
    Column column;
    column.type = Type::Integer;
    column.integers = std::move(values);
    return column;
}

Column Column::ofReals(std::vector<double> values)
{
    Column column;
    column.type = Type::Real;
    column.reals = std::move(values);
    return column;
}

Column Column::ofTexts(std::vector<std::string> values)
{
    Column column;
    column.type = Type::Text;
    column.texts = std::move(values);
    return column;
}

std::size_t Column::size() const
{
    switch (type) {
    case Type::Integer:
        return integers.size();
    case Type::Real:
        return reals.size();
    case Type::Text:
        return texts.size();
    }
    return 0;
}

bool Column::operator==(const Column &other) const
{
    if (type != other.type || integers != other.integers || texts != other.texts
        || reals.size() != other.reals.size())
        return false;
    for (std::size_t i = 0; i < reals.size(); ++i) {
        if (bitsOf(reals[i]) != bitsOf(other.reals[i]))
            return false;
    }
    return true;
}

namespace ChunkCodec {

QByteArray encode(const ColumnBlock &block, int zstdLevel)
{
    std::string plain;
    plain.push_back(char(kVersion));
    putVarint(&plain, block.rows());
    putVarint(&plain, block.columns.size());
    for (const Column &column : block.columns) {
        plain.push_back(char(column.type));
        switch (column.type) {
        case Column::Type::Integer:
            putBytes(&plain, encodeIntegers(column.integers));
            break;
        case Column::Type::Real:
            putBytes(&plain, encodeReals(column.reals));
            break;
        case Column::Type::Text:
            putBytes(&plain, encodeTexts(column.texts));
            break;
        }
    }
    QByteArray chunk(1 + qsizetype(ZSTD_compressBound(plain.size())), Qt::Uninitialized);
    chunk[0] = char(kVersion);
    ZSTD_CCtx *context = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, zstdLevel);
    ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
    const std::size_t size = ZSTD_compress2(
        context, chunk.data() + 1, std::size_t(chunk.size() - 1), plain.data(), plain.size());
    ZSTD_freeCCtx(context);
    if (ZSTD_isError(size))
        qFatal("zstd cannot compress %zu bytes: %s", plain.size(), ZSTD_getErrorName(size));
    chunk.resize(1 + qsizetype(size));
    return chunk;
}

std::optional<ColumnBlock> decode(const QByteArray &chunk, QString *error)
{
    auto fail = [error](const QString &why) {
        *error = QStringLiteral("corrupt chunk: %1").arg(why);
        return std::nullopt;
    };
    if (chunk.isEmpty())
        return fail(QStringLiteral("empty"));
    if (std::uint8_t(chunk[0]) != kVersion)
        return fail(QStringLiteral("version %1, this console reads %2")
                        .arg(std::uint8_t(chunk[0]))
                        .arg(kVersion));
    const unsigned long long expected
        = ZSTD_getFrameContentSize(chunk.constData() + 1, std::size_t(chunk.size() - 1));
    if (expected == ZSTD_CONTENTSIZE_ERROR || expected == ZSTD_CONTENTSIZE_UNKNOWN
        || expected > kMaxDecodedBytes)
        return fail(QStringLiteral("no valid zstd frame"));
    std::string plain(std::size_t(expected), '\0');
    const std::size_t size = ZSTD_decompress(
        plain.data(), plain.size(), chunk.constData() + 1, std::size_t(chunk.size() - 1));
    if (ZSTD_isError(size) || size != plain.size())
        return fail(QString::fromLatin1(ZSTD_getErrorName(size)));

    Reader in(plain.data(), plain.size());
    if (in.byte() != kVersion)
        return fail(QStringLiteral("inner version"));
    const std::uint64_t rows = in.varint();
    const std::uint64_t count = in.varint();
    if (!in.ok() || rows > kMaxRows || count > kMaxColumns)
        return fail(QStringLiteral("bad header"));
    ColumnBlock block;
    block.columns.resize(std::size_t(count));
    for (Column &column : block.columns) {
        column.type = Column::Type(in.byte());
        const std::string part = in.bytes(in.varint());
        if (!in.ok())
            return fail(QStringLiteral("truncated column"));
        Reader values(part.data(), part.size());
        bool ok = false;
        switch (column.type) {
        case Column::Type::Integer:
            ok = decodeIntegers(&values, std::size_t(rows), &column.integers);
            break;
        case Column::Type::Real:
            ok = decodeReals(&values, std::size_t(rows), &column.reals);
            break;
        case Column::Type::Text:
            ok = decodeTexts(&values, std::size_t(rows), &column.texts);
            break;
        }
        if (!ok || !values.atEnd() || column.size() != rows)
            return fail(QStringLiteral("bad column"));
    }
    if (!in.atEnd())
        return fail(QStringLiteral("trailing bytes"));
    return block;
}

} // namespace ChunkCodec

} // namespace dmr::console
