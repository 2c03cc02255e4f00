// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace dmr::console {

// What the API reads from a request's headers to know who sent it and from
// where, on the raw values: the same for a request and for a WebSocket's
// handshake.
namespace RequestHeaders {

// The value of cookie `name` in a Cookie header; empty when it has none.
QByteArray cookie(const QByteArray &cookieHeader, const QByteArray &name);
// The token of "Bearer TOKEN"; empty for anything else.
QByteArray bearer(const QByteArray &authorization);
// Whether an Origin header, when a browser sent one, names the host the
// request was sent to (its Host header): a page elsewhere may not act with
// this origin's cookie (CSRF), nor open its WebSocket. No Origin: not a
// browser's cross-site request, so true.
bool sameOrigin(const QByteArray &origin, const QByteArray &host);
// Whether a Host header names this machine's loopback: localhost (and
// *.localhost), 127.0.0.0/8 or [::1], with any port; true when there is no
// Host (HTTP/1.0, not a browser).
bool isLoopbackHost(const QByteArray &host);

} // namespace RequestHeaders

} // namespace dmr::console
