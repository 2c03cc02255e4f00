// SPDX-License-Identifier: MIT
#pragma once

#include "AgentConfig.h"
#include "ResendBuffer.h"
#include "Sender.h"

#include <cstdint>
#include <string>

namespace dmr::agent {

class Logger;

// Gets this run's reports to the console and keeps them until it says they
// are stored: seals each report at the configured level, keeps it in the
// resend buffer, reads the console's acknowledgements, and resends what they
// show missing, at most `resendRate` a second so that a fleet coming back
// from an outage does not flood the console.
class Delivery
{
public:
    // A report missing this long after it went out is sent again; the
    // console acknowledges every few seconds, so this is several of those.
    static constexpr std::int64_t kResendAfterMs = 10000;

    Delivery(const AgentConfig &config, std::uint32_t runId, Logger &logger);

    // Seals and sends one report, and keeps it for resending.
    void send(const dmr::Report &report, std::int64_t wallMs, std::int64_t monotonicMs);
    // Puts back a report an earlier process of this run sent (the spill
    // file's), as if sent long ago: the first acknowledgement then shows
    // whether the console has it, and if not it goes with the usual pacing.
    void restore(std::uint64_t sequence, std::string payload, std::int64_t monotonicMs);
    // Reads every datagram waiting from the console; returns the acks taken.
    std::size_t readAcknowledgements();
    // Resends what is due and the rate allows; returns how many went.
    std::size_t resendDue(std::int64_t wallMs, std::int64_t monotonicMs);
    // When resendDue() next has work (monotonic ms), or -1 if nothing is due.
    std::int64_t nextResendMs(std::int64_t monotonicMs) const;

    int fd() const { return m_sender.fd(); }
    Sender &sender() { return m_sender; }
    const ResendBuffer &buffer() const { return m_buffer; }
    std::uint64_t resentCount() const { return m_resent; }

private:
    std::string seal(const std::string &payload, std::int64_t wallMs) const;

    dmr::Security m_security;
    std::optional<dmr::Key> m_key;
    double m_rate;
    Logger &m_logger;
    Sender m_sender;
    ResendBuffer m_buffer;
    double m_tokens = 0;
    std::int64_t m_tokensAtMs = 0;
    std::uint64_t m_resent = 0;
};

} // namespace dmr::agent
