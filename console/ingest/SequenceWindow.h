// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <cstdint>
#include <vector>

namespace dmr::console {

// The sequence numbers of one agent run that have been seen: every number up
// to contiguous(), plus a bitmap of those above it, at most kWidth wide. Used
// twice: by the registry to refuse replays and duplicates (what was
// received), and by the store writer for acknowledgements (what is on disk).
// A number more than kWidth below the highest is stale: refused, whether it
// was seen or not.
class SequenceWindow
{
public:
    // One hour of reports at a 1-second interval fits, with room to spare.
    static constexpr std::uint64_t kWidth = 8192;

    enum class Insert { Added, Duplicate, Stale };

    Insert insert(std::uint64_t sequence);
    bool contains(std::uint64_t sequence) const;
    // Forgets one number (a report dropped before it was stored), so that its
    // resend is welcome. False if it is out of reach (older than the window).
    bool remove(std::uint64_t sequence);

    std::uint64_t contiguous() const { return m_base; }
    std::uint64_t highest() const { return m_highest; }
    // Bit i: contiguous() + 2 + i is in (contiguous() + 1 never is).
    std::uint64_t bitsAbove() const;

    // The bitmap above contiguous() as lowercase hex (empty when there is
    // none), for the devices table; fromHex() is its inverse.
    QByteArray toHex() const;
    static SequenceWindow fromHex(std::uint64_t contiguous, const QByteArray &hex);

    bool operator==(const SequenceWindow &other) const;

private:
    bool bit(std::uint64_t index) const;
    void setBit(std::uint64_t index);
    void shiftDown(std::uint64_t count);
    void shiftUp(std::uint64_t count);
    void compact();

    std::uint64_t m_base = 0;
    std::uint64_t m_highest = 0;
    std::vector<std::uint64_t> m_bits; // bit i: m_base + 1 + i is in
};

} // namespace dmr::console
