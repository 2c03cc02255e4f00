// SPDX-License-Identifier: MIT
#include "Sender.h"

#include "Clock.h"
#include "Logger.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dmr::agent {

namespace {

// A console that moved to another address (DHCP, a new DNS record) is found
// again within this time without restarting the agent.
constexpr std::int64_t kReresolveMs = 5 * 60 * 1000;

std::string addressText(const sockaddr *address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address->sa_family == AF_INET) {
        const auto *v4 = reinterpret_cast<const sockaddr_in *>(address);
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        return std::string(text) + ':' + std::to_string(ntohs(v4->sin_port));
    }
    if (address->sa_family == AF_INET6) {
        const auto *v6 = reinterpret_cast<const sockaddr_in6 *>(address);
        inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        return '[' + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
    }
    return "?";
}

} // namespace

Sender::Sender(std::string host, std::uint16_t port, Logger &logger)
    : m_host(std::move(host))
    , m_port(port)
    , m_logger(logger)
{
    unsigned char buffer[16];
    m_hostIsNumeric = inet_pton(AF_INET, m_host.c_str(), buffer) == 1
        || inet_pton(AF_INET6, m_host.c_str(), buffer) == 1;
}

Sender::~Sender()
{
    closeSocket();
}

std::string Sender::target() const
{
    if (m_host.find(':') != std::string::npos)
        return '[' + m_host + "]:" + std::to_string(m_port);
    return m_host + ':' + std::to_string(m_port);
}

void Sender::closeSocket()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

bool Sender::connectSocket()
{
    closeSocket();
    struct addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *results = nullptr;
    const std::string port = std::to_string(m_port);
    const int status = ::getaddrinfo(m_host.c_str(), port.c_str(), &hints, &results);
    if (status != 0) {
        const std::string reason
            = status == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(status);
        m_logger.logLimited(LogLevel::Warning,
            "cannot resolve console address " + target() + ": " + reason
                + "; retrying on the next report");
        return false;
    }
    int lastErrno = 0;
    for (const struct addrinfo *entry = results; entry; entry = entry->ai_next) {
        const int fd = ::socket(entry->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            lastErrno = errno;
            continue;
        }
        // Connected, so the kernel reports ICMP port-unreachable as
        // ECONNREFUSED on a later send: that is how "console down" shows.
        if (::connect(fd, entry->ai_addr, entry->ai_addrlen) != 0) {
            lastErrno = errno;
            ::close(fd);
            continue;
        }
        m_fd = fd;
        m_resolved = addressText(entry->ai_addr);
        break;
    }
    ::freeaddrinfo(results);
    if (m_fd < 0) {
        m_logger.logLimited(LogLevel::Warning,
            "cannot open a socket to console " + target() + ": " + std::strerror(lastErrno)
                + "; retrying on the next report");
        return false;
    }
    m_resolvedAtMs = Clock::monotonicMs();
    return true;
}

bool Sender::send(const std::string &datagram)
{
    const bool stale
        = !m_hostIsNumeric && m_fd >= 0 && Clock::monotonicMs() - m_resolvedAtMs > kReresolveMs;
    if ((m_fd < 0 || stale) && !connectSocket()) {
        ++m_failed;
        return false;
    }
    ssize_t n;
    do {
        n = ::send(m_fd, datagram.data(), datagram.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n == ssize_t(datagram.size())) {
        ++m_sent;
        return true;
    }
    ++m_failed;
    const int error = n < 0 ? errno : EMSGSIZE;
    if (error == ECONNREFUSED) {
        logUnreachable();
    } else if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) {
        m_logger.logLimited(
            LogLevel::Warning, "send buffer full, a report to " + target() + " was dropped");
    } else {
        m_logger.logLimited(
            LogLevel::Warning, "cannot send to console " + target() + ": " + std::strerror(error));
        // The route or the address may have changed: start afresh next time.
        closeSocket();
    }
    return false;
}

void Sender::logUnreachable()
{
    m_logger.logLimited(LogLevel::Warning,
        "console " + target()
            + " is unreachable (connection refused); "
              "reports wait for it in the resend buffer");
}

bool Sender::receive(std::string *datagram)
{
    if (m_fd < 0)
        return false;
    char buffer[2048];
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n >= 0) {
            datagram->assign(buffer, std::size_t(n));
            return true;
        }
        if (errno == EINTR)
            continue;
        // The ICMP port-unreachable of an earlier send: nobody listens there.
        if (errno == ECONNREFUSED) {
            logUnreachable();
            continue;
        }
        return false;
    }
}

} // namespace dmr::agent
