// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dmr::agent {

// A cursor over the text of a /proc file. Numbers are parsed with
// std::from_chars: no locale, no allocation, and overflow is reported rather
// than wrapped, which is what counters near 2^64 need.
class TextScanner
{
public:
    explicit TextScanner(std::string_view text);

    bool atEnd() const { return m_pos >= m_text.size(); }
    bool atLineEnd() const;

    // Returns the rest of the current line (without the newline) and moves to
    // the next one.
    std::string_view nextLine();
    // The next run of characters that are neither blanks nor a newline;
    // empty at the end of a line.
    std::string_view nextToken();
    bool nextU64(std::uint64_t &out);
    bool nextDouble(double &out);

    static bool parseU64(std::string_view text, std::uint64_t &out);
    // Accepts finite numbers only: "nan" and "inf" are not load averages.
    static bool parseDouble(std::string_view text, double &out);
    static std::string_view trim(std::string_view text);

private:
    void skipBlanks();

    std::string_view m_text;
    std::size_t m_pos = 0;
};

} // namespace dmr::agent
