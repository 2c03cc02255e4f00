// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct mmsghdr;
struct iovec;

namespace dmr::bench {

// A connected UDP socket that sends datagrams in batches with one sendmmsg
// call each, so that 100,000 datagrams a second cost a few thousand syscalls.
class UdpBatchSender
{
public:
    UdpBatchSender();
    ~UdpBatchSender();
    UdpBatchSender(const UdpBatchSender &) = delete;
    UdpBatchSender &operator=(const UdpBatchSender &) = delete;

    // Resolves host and connects; returns an empty string or why it failed.
    std::string open(const std::string &host, std::uint16_t port);

    // Sends the first count datagrams of batch. A full socket buffer is waited
    // out briefly; only a datagram that still cannot go is counted as an error.
    void send(const std::vector<std::string> &batch, std::size_t count);

    std::uint64_t sent() const { return m_sent; }
    std::uint64_t errors() const { return m_errors; }
    // ICMP port-unreachable notices: nothing listens at the target.
    std::uint64_t refused() const { return m_refused; }
    const std::string &lastError() const { return m_lastError; }

private:
    int m_socket = -1;
    std::vector<mmsghdr> m_headers;
    std::vector<iovec> m_iovecs;
    std::uint64_t m_sent = 0;
    std::uint64_t m_errors = 0;
    std::uint64_t m_refused = 0;
    std::string m_lastError;
};

} // namespace dmr::bench
