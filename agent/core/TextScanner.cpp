// SPDX-License-Identifier: MIT
#include "TextScanner.h"

#include <charconv>
#include <cmath>

namespace dmr::agent {

namespace {

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

} // namespace

TextScanner::TextScanner(std::string_view text)
    : m_text(text)
{ }

bool TextScanner::atLineEnd() const
{
    std::size_t pos = m_pos;
    while (pos < m_text.size() && isBlank(m_text[pos]))
        ++pos;
    return pos >= m_text.size() || m_text[pos] == '\n';
}

std::string_view TextScanner::nextLine()
{
    const std::size_t start = m_pos;
    const std::size_t end = m_text.find('\n', start);
    if (end == std::string_view::npos) {
        m_pos = m_text.size();
        return m_text.substr(start);
    }
    m_pos = end + 1;
    return m_text.substr(start, end - start);
}

void TextScanner::skipBlanks()
{
    while (m_pos < m_text.size() && isBlank(m_text[m_pos]))
        ++m_pos;
}

std::string_view TextScanner::nextToken()
{
    skipBlanks();
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != '\n' && !isBlank(m_text[m_pos]))
        ++m_pos;
    return m_text.substr(start, m_pos - start);
}

bool TextScanner::nextU64(std::uint64_t &out)
{
    return parseU64(nextToken(), out);
}

bool TextScanner::nextDouble(double &out)
{
    return parseDouble(nextToken(), out);
}

bool TextScanner::parseU64(std::string_view text, std::uint64_t &out)
{
    if (text.empty())
        return false;
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return false;
    out = value;
    return true;
}

bool TextScanner::parseDouble(std::string_view text, double &out)
{
    if (text.empty())
        return false;
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return false;
    out = value;
    return true;
}

std::string_view TextScanner::trim(std::string_view text)
{
    std::size_t begin = 0, end = text.size();
    while (begin < end && (isBlank(text[begin]) || text[begin] == '\n'))
        ++begin;
    while (end > begin && (isBlank(text[end - 1]) || text[end - 1] == '\n'))
        --end;
    return text.substr(begin, end - begin);
}

} // namespace dmr::agent
