// SPDX-License-Identifier: MIT
#include "UdpBatchSender.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dmr::bench {

namespace {

// How long one datagram may wait for buffer space before it counts as lost:
// about 50 ms, long enough for a receiver to catch up, short enough that a
// dead target does not stall the pacing.
constexpr int kMaxRetries = 50;
constexpr int kSendBufferBytes = 4 << 20;

void pauseBriefly()
{
    const timespec pause {0, 1'000'000};
    nanosleep(&pause, nullptr);
}

} // namespace

UdpBatchSender::UdpBatchSender() = default;

UdpBatchSender::~UdpBatchSender()
{
    if (m_socket >= 0)
        ::close(m_socket);
}

std::string UdpBatchSender::open(const std::string &host, std::uint16_t port)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo *addresses = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses); rc != 0)
        return "cannot resolve " + host + ": " + gai_strerror(rc);

    // IPv4 first: "localhost" often lists ::1 first, while a console binds
    // 0.0.0.0 by default, and a connected UDP socket cannot tell the difference.
    std::vector<addrinfo *> candidates;
    for (int family : {AF_INET, AF_INET6}) {
        for (addrinfo *a = addresses; a; a = a->ai_next) {
            if (a->ai_family == family)
                candidates.push_back(a);
        }
    }
    std::string error = "no address for " + host;
    for (addrinfo *a : candidates) {
        const int fd
            = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            error = std::string("socket: ") + std::strerror(errno);
            continue;
        }
        if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            error = "connect to " + host + ": " + std::strerror(errno);
            ::close(fd);
            continue;
        }
        // Best effort: a bigger buffer absorbs bursts; the default still works.
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof kSendBufferBytes);
        m_socket = fd;
        error.clear();
        break;
    }
    freeaddrinfo(addresses);
    return error;
}

void UdpBatchSender::send(const std::vector<std::string> &batch, std::size_t count)
{
    if (m_headers.size() < count) {
        m_headers.resize(count);
        m_iovecs.resize(count);
    }
    for (std::size_t i = 0; i < count; ++i) {
        m_iovecs[i].iov_base = const_cast<char *>(batch[i].data());
        m_iovecs[i].iov_len = batch[i].size();
        m_headers[i] = {};
        m_headers[i].msg_hdr.msg_iov = &m_iovecs[i];
        m_headers[i].msg_hdr.msg_iovlen = 1;
    }

    std::size_t offset = 0;
    int retries = 0;
    while (offset < count) {
        const int n = ::sendmmsg(m_socket, &m_headers[offset], unsigned(count - offset), 0);
        if (n > 0) {
            offset += std::size_t(n);
            m_sent += std::uint64_t(n);
            retries = 0;
            continue;
        }
        const int error = errno;
        if (error == EINTR)
            continue;
        // An ICMP error from an earlier datagram is reported on this call, and
        // this datagram was not sent; sending it again is what an agent does.
        if (error == ECONNREFUSED) {
            ++m_refused;
            continue;
        }
        if ((error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS)
            && retries < kMaxRetries) {
            ++retries;
            if (error == ENOBUFS) {
                pauseBriefly();
            } else {
                pollfd writable {m_socket, POLLOUT, 0};
                ::poll(&writable, 1, 1);
            }
            continue;
        }
        m_lastError = std::strerror(error);
        ++m_errors;
        ++offset;
        retries = 0;
    }
}

} // namespace dmr::bench
