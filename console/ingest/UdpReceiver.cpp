// SPDX-License-Identifier: MIT
#include "ingest/UdpReceiver.h"

#include "dmr/Codec.h"
#include "ingest/IngestLogging.h"

#include <QSocketNotifier>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dmr::console {

namespace {

constexpr int kBatch = 64;
// One byte more than the largest datagram we accept, so an oversize datagram
// is recognisable without MSG_TRUNC.
constexpr int kSlot = int(dmr::kMaxDatagramSize) + 1;
// Datagrams handled per wake-up before returning to the event loop, so that
// stop() and other events are not starved under a flood.
constexpr int kMaxPerWakeup = 8192;

QHostAddress toAddress(const sockaddr_storage &storage, quint16 *port)
{
    if (storage.ss_family == AF_INET) {
        const auto *in = reinterpret_cast<const sockaddr_in *>(&storage);
        *port = ntohs(in->sin_port);
        return QHostAddress(ntohl(in->sin_addr.s_addr));
    }
    if (storage.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&storage);
        *port = ntohs(in6->sin6_port);
        return QHostAddress(in6->sin6_addr.s6_addr);
    }
    *port = 0;
    return {};
}

// The socket address of a peer, in the socket's family (an IPv4 peer of an
// IPv6 socket as a v4-mapped address). False if it cannot be reached from it.
bool toSockaddr(const QHostAddress &address, quint16 port, bool v6, sockaddr_storage *storage,
    socklen_t *length)
{
    *storage = {};
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (!v6) {
        if (!isV4)
            return false;
        auto *in = reinterpret_cast<sockaddr_in *>(storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(v4);
        *length = sizeof(sockaddr_in);
        return true;
    }
    auto *in6 = reinterpret_cast<sockaddr_in6 *>(storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    const Q_IPV6ADDR raw = isV4
        ? QHostAddress(QStringLiteral("::ffff:") + address.toString()).toIPv6Address()
        : address.toIPv6Address();
    std::memcpy(&in6->sin6_addr, &raw, sizeof raw);
    *length = sizeof(sockaddr_in6);
    return true;
}

} // namespace

UdpReceiver::UdpReceiver(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<DatagramBatch>();
}

UdpReceiver::~UdpReceiver()
{
    stop();
}

bool UdpReceiver::open(QString *error)
{
    const bool v6 = m_options.bind.protocol() == QAbstractSocket::IPv6Protocol
        || m_options.bind == QHostAddress(QHostAddress::AnyIPv6);
    m_v6 = v6;
    m_fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        *error = QStringLiteral("cannot create UDP socket: %1").arg(qt_error_string(errno));
        return false;
    }

    // A deep kernel buffer absorbs bursts while the thread is busy. As root
    // SO_RCVBUFFORCE may exceed net.core.rmem_max; otherwise the kernel caps it.
    int size = m_options.receiveBufferBytes;
    if (::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int effective = 0;
    socklen_t length = sizeof effective;
    ::getsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &effective, &length);
    if (effective < m_options.receiveBufferBytes)
        qCInfo(lcUdp,
            "receive buffer is %d bytes, less than the %d asked for; raise net.core.rmem_max "
            "for bursts of many devices",
            effective, m_options.receiveBufferBytes);

    if (m_options.reusePort) {
        int on = 1;
        if (::setsockopt(m_fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
            *error = QStringLiteral("cannot share UDP port %1 (SO_REUSEPORT): %2")
                         .arg(m_options.port)
                         .arg(qt_error_string(errno));
            ::close(m_fd);
            m_fd = -1;
            return false;
        }
    }

    sockaddr_storage address {};
    socklen_t addressLength = 0;
    if (v6) {
        int off = 0; // "::" takes IPv4 too
        ::setsockopt(m_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&address);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(m_options.port);
        const Q_IPV6ADDR raw = m_options.bind.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &raw, sizeof raw);
        addressLength = sizeof(sockaddr_in6);
    } else {
        auto *in = reinterpret_cast<sockaddr_in *>(&address);
        in->sin_family = AF_INET;
        in->sin_port = htons(m_options.port);
        in->sin_addr.s_addr = htonl(m_options.bind.toIPv4Address());
        addressLength = sizeof(sockaddr_in);
    }
    if (::bind(m_fd, reinterpret_cast<sockaddr *>(&address), addressLength) != 0) {
        const int bindError = errno;
        *error = QStringLiteral("cannot bind UDP %1 port %2: %3")
                     .arg(m_options.bind.toString())
                     .arg(m_options.port)
                     .arg(qt_error_string(bindError));
        if (m_options.reusePort && bindError == EADDRINUSE)
            *error += QStringLiteral(
                " (a shared port needs SO_REUSEPORT on every socket, all of one user)");
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &addressLength);
    quint16 port = 0;
    toAddress(address, &port);
    m_boundPort = port;

    m_buffers.assign(std::size_t(kBatch) * kSlot, 0);
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &UdpReceiver::drain);
    qCInfo(lcUdp, "receiving reports on UDP %s port %u%s", qPrintable(m_options.bind.toString()),
        port, m_options.reusePort ? " (shared with SO_REUSEPORT)" : "");
    return true;
}

void UdpReceiver::stop()
{
    // What the kernel already holds was sent to us: take it in before closing.
    if (m_fd >= 0)
        drain();
    delete m_notifier;
    m_notifier = nullptr;
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

void UdpReceiver::drain()
{
    mmsghdr messages[kBatch];
    iovec vectors[kBatch];
    sockaddr_storage senders[kBatch];
    int handled = 0;
    while (m_fd >= 0 && handled < kMaxPerWakeup) {
        for (int i = 0; i < kBatch; ++i) {
            vectors[i] = {m_buffers.data() + std::size_t(i) * kSlot, std::size_t(kSlot)};
            messages[i].msg_hdr = {};
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &senders[i];
            messages[i].msg_hdr.msg_namelen = sizeof senders[i];
            messages[i].msg_len = 0;
        }
        const int n = ::recvmmsg(m_fd, messages, kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                qCWarning(lcUdp, "receive failed: %s", qPrintable(qt_error_string(errno)));
            break;
        }
        DatagramBatch batch;
        batch.reserve(n);
        for (int i = 0; i < n; ++i) {
            Datagram datagram;
            const int size = int(messages[i].msg_len);
            datagram.truncated = size >= kSlot || (messages[i].msg_hdr.msg_flags & MSG_TRUNC);
            datagram.bytes = QByteArray(
                vectors[i].iov_base ? static_cast<const char *>(vectors[i].iov_base) : nullptr,
                std::min(size, kSlot));
            datagram.sender = toAddress(senders[i], &datagram.senderPort);
            batch.append(std::move(datagram));
        }
        handled += n;
        m_received.fetch_add(n, std::memory_order_relaxed);
        emit datagramsReceived(batch);
        if (n < kBatch)
            break;
    }
}

void UdpReceiver::send(const DatagramBatch &datagrams)
{
    if (m_fd < 0)
        return;
    mmsghdr messages[kBatch];
    iovec vectors[kBatch];
    sockaddr_storage peers[kBatch];
    for (qsizetype start = 0; start < datagrams.size(); start += kBatch) {
        int n = 0;
        for (qsizetype i = start; i < std::min(datagrams.size(), start + kBatch); ++i) {
            const Datagram &datagram = datagrams[i];
            socklen_t length = 0;
            if (!toSockaddr(datagram.sender, datagram.senderPort, m_v6, &peers[n], &length))
                continue;
            vectors[n] = {
                const_cast<char *>(datagram.bytes.constData()), std::size_t(datagram.bytes.size())};
            messages[n].msg_hdr = {};
            messages[n].msg_hdr.msg_iov = &vectors[n];
            messages[n].msg_hdr.msg_iovlen = 1;
            messages[n].msg_hdr.msg_name = &peers[n];
            messages[n].msg_hdr.msg_namelen = length;
            messages[n].msg_len = 0;
            ++n;
        }
        int done = 0;
        while (done < n) {
            const int sent = ::sendmmsg(m_fd, messages + done, unsigned(n - done), MSG_DONTWAIT);
            if (sent <= 0) {
                if (sent < 0 && errno == EINTR)
                    continue;
                // A peer that went away (ECONNREFUSED from an earlier ICMP) or a
                // full buffer: skip this one, the rest may still go.
                ++done;
                continue;
            }
            done += sent;
        }
    }
}

} // namespace dmr::console
