// SPDX-License-Identifier: MIT
#include "ingest/SequenceWindow.h"

#include <algorithm>

namespace dmr::console {

bool SequenceWindow::bit(std::uint64_t index) const
{
    const std::size_t word = std::size_t(index / 64);
    return word < m_bits.size() && (m_bits[word] >> (index % 64) & 1);
}

void SequenceWindow::setBit(std::uint64_t index)
{
    const std::size_t word = std::size_t(index / 64);
    if (word >= m_bits.size())
        m_bits.resize(word + 1, 0);
    m_bits[word] |= std::uint64_t(1) << (index % 64);
}

void SequenceWindow::shiftDown(std::uint64_t count)
{
    const std::size_t words = std::size_t(count / 64);
    const unsigned bits = unsigned(count % 64);
    if (words >= m_bits.size()) {
        m_bits.clear();
        return;
    }
    m_bits.erase(m_bits.begin(), m_bits.begin() + std::ptrdiff_t(words));
    if (bits != 0) {
        for (std::size_t i = 0; i < m_bits.size(); ++i) {
            m_bits[i] >>= bits;
            if (i + 1 < m_bits.size())
                m_bits[i] |= m_bits[i + 1] << (64 - bits);
        }
    }
    while (!m_bits.empty() && m_bits.back() == 0)
        m_bits.pop_back();
}

void SequenceWindow::shiftUp(std::uint64_t count)
{
    const std::size_t words = std::size_t(count / 64);
    const unsigned bits = unsigned(count % 64);
    if (m_bits.empty())
        return;
    if (bits != 0) {
        m_bits.push_back(0);
        for (std::size_t i = m_bits.size() - 1; i > 0; --i)
            m_bits[i] = m_bits[i] << bits | m_bits[i - 1] >> (64 - bits);
        m_bits[0] <<= bits;
    }
    m_bits.insert(m_bits.begin(), words, 0);
    while (!m_bits.empty() && m_bits.back() == 0)
        m_bits.pop_back();
}

// Moves the base up over every number that is in.
void SequenceWindow::compact()
{
    std::uint64_t run = 0;
    for (std::uint64_t word : m_bits) {
        if (word == ~std::uint64_t(0)) {
            run += 64;
            continue;
        }
        run += std::uint64_t(__builtin_ctzll(~word));
        break;
    }
    if (run > 0) {
        shiftDown(run);
        m_base += run;
    }
}

SequenceWindow::Insert SequenceWindow::insert(std::uint64_t sequence)
{
    if (sequence == 0 || (m_highest >= kWidth && sequence <= m_highest - kWidth))
        return Insert::Stale;
    if (sequence <= m_base)
        return Insert::Duplicate;
    if (bit(sequence - m_base - 1))
        return Insert::Duplicate;
    m_highest = std::max(m_highest, sequence);
    if (sequence - m_base > kWidth) {
        // Give up on what lies more than the window below: it is stale now.
        const std::uint64_t advance = sequence - kWidth - m_base;
        shiftDown(advance);
        m_base += advance;
    }
    setBit(sequence - m_base - 1);
    compact();
    return Insert::Added;
}

bool SequenceWindow::contains(std::uint64_t sequence) const
{
    return sequence >= 1 && (sequence <= m_base || bit(sequence - m_base - 1));
}

bool SequenceWindow::remove(std::uint64_t sequence)
{
    if (sequence == 0 || sequence > m_highest
        || (m_highest >= kWidth && sequence <= m_highest - kWidth))
        return false;
    if (sequence > m_base) {
        const std::uint64_t index = sequence - m_base - 1;
        const std::size_t word = std::size_t(index / 64);
        if (word < m_bits.size())
            m_bits[word] &= ~(std::uint64_t(1) << (index % 64));
        while (!m_bits.empty() && m_bits.back() == 0)
            m_bits.pop_back();
        return true;
    }
    // Below the base: the base comes down to just under it, and the numbers
    // between stay in as bits.
    const std::uint64_t lowered = m_base - sequence + 1;
    shiftUp(lowered);
    m_base = sequence - 1;
    for (std::uint64_t index = 1; index < lowered; ++index)
        setBit(index);
    return true;
}

std::uint64_t SequenceWindow::bitsAbove() const
{
    // Bit 0 of the map is base + 1, never in after compact().
    std::uint64_t bits = m_bits.empty() ? 0 : m_bits[0] >> 1;
    if (m_bits.size() > 1)
        bits |= m_bits[1] << 63;
    return bits;
}

QByteArray SequenceWindow::toHex() const
{
    QByteArray bytes;
    bytes.reserve(int(m_bits.size() * 8));
    for (std::uint64_t word : m_bits) {
        for (int i = 0; i < 8; ++i)
            bytes.append(char(word >> (8 * i)));
    }
    while (!bytes.isEmpty() && bytes.back() == 0)
        bytes.chop(1);
    return bytes.toHex();
}

SequenceWindow SequenceWindow::fromHex(std::uint64_t contiguous, const QByteArray &hex)
{
    SequenceWindow window;
    window.m_base = contiguous;
    window.m_highest = contiguous;
    const QByteArray bytes = QByteArray::fromHex(hex);
    const std::size_t limit = std::size_t(kWidth / 8);
    for (std::size_t i = 0; i < std::min(std::size_t(bytes.size()), limit); ++i) {
        const auto byte = static_cast<unsigned char>(bytes[int(i)]);
        for (int b = 0; b < 8; ++b) {
            if (byte >> b & 1) {
                const std::uint64_t index = i * 8 + std::uint64_t(b);
                window.setBit(index);
                window.m_highest = std::max(window.m_highest, contiguous + 1 + index);
            }
        }
    }
    window.compact();
    return window;
}

bool SequenceWindow::operator==(const SequenceWindow &other) const
{
    return m_base == other.m_base && m_highest == other.m_highest && m_bits == other.m_bits;
}

} // namespace dmr::console
