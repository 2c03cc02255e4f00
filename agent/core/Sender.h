// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace dmr::agent {

class Logger;

// Sends datagrams to the console over one non-blocking, connected UDP socket.
// Nothing here is fatal: a name that does not resolve is retried on the next
// send, and send errors (ECONNREFUSED while the console is down, a network
// that went away) are logged, rate-limited, and the datagram dropped. The
// reporting loop must keep its rhythm whatever the console does.
class Sender
{
public:
    Sender(std::string host, std::uint16_t port, Logger &logger);
    ~Sender();
    Sender(const Sender &) = delete;
    Sender &operator=(const Sender &) = delete;

    // true if the kernel accepted the datagram.
    bool send(const std::string &datagram);
    // One datagram from the console (an acknowledgement), if one is waiting;
    // never blocks. The socket is connected, so nobody else's reach us.
    bool receive(std::string *datagram);
    // The socket to wait on for receive(); -1 before the first send.
    int fd() const { return m_fd; }

    std::string target() const;
    std::uint64_t sentCount() const { return m_sent; }
    std::uint64_t failedCount() const { return m_failed; }
    // The address the socket is connected to ("" before the first resolve).
    const std::string &resolvedAddress() const { return m_resolved; }

private:
    bool connectSocket();
    void closeSocket();
    void logUnreachable();

    std::string m_host;
    std::uint16_t m_port;
    Logger &m_logger;
    int m_fd = -1;
    std::string m_resolved;
    bool m_hostIsNumeric = false;
    std::int64_t m_resolvedAtMs = 0;
    std::uint64_t m_sent = 0;
    std::uint64_t m_failed = 0;
};

} // namespace dmr::agent
