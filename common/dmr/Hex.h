// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace dmr {

// The value of one hexadecimal digit (either case), or -1.
inline int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Appends a byte as two lowercase hexadecimal digits.
inline void appendHex(std::string &out, unsigned char byte)
{
    static const char digits[] = "0123456789abcdef";
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
}

} // namespace dmr
