// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace dmr::console {

// gzip (RFC 1952) for HTTP's Content-Encoding, through zlib.
namespace Gzip {

// Fast compression (level 1): JSON shrinks by 5-10x at a few ms per MB.
QByteArray compress(const QByteArray &data);

// Whether an Accept-Encoding header value admits gzip ("gzip;q=0" does not).
bool accepted(const QByteArray &acceptEncoding);

} // namespace Gzip

} // namespace dmr::console
