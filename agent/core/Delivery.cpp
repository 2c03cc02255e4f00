// SPDX-License-Identifier: MIT
#include "Delivery.h"

#include "Logger.h"

#include <algorithm>
#include <cmath>

namespace dmr::agent {

Delivery::Delivery(const AgentConfig &config, std::uint32_t runId, Logger &logger)
    : m_security(config.security)
    , m_key(config.key)
    , m_rate(config.resendRate)
    , m_logger(logger)
    , m_sender(config.serverHost, config.serverPort, logger)
    , m_buffer(config.resendCapacity(), runId)
{ }

std::string Delivery::seal(const std::string &payload, std::int64_t wallMs) const
{
    return dmr::seal(
        dmr::PayloadKind::Report, payload, m_security, m_key ? &*m_key : nullptr, wallMs);
}

void Delivery::send(const dmr::Report &report, std::int64_t wallMs, std::int64_t monotonicMs)
{
    std::string payload = dmr::encodeReport(report);
    m_sender.send(seal(payload, wallMs));
    // Kept whether or not the send worked: a console that was down gets it later.
    m_buffer.add(report.sequence, std::move(payload), monotonicMs);
}

void Delivery::restore(std::uint64_t sequence, std::string payload, std::int64_t monotonicMs)
{
    m_buffer.add(sequence, std::move(payload), monotonicMs - kResendAfterMs);
}

std::size_t Delivery::readAcknowledgements()
{
    std::size_t taken = 0;
    std::string bytes;
    while (m_sender.receive(&bytes)) {
        std::optional<dmr::Envelope> envelope = dmr::parseEnvelope(bytes.data(), bytes.size());
        // An acknowledgement must be protected like our reports, with our key.
        const bool ours = envelope && envelope->kind == dmr::PayloadKind::Ack
            && envelope->security == m_security
            && (m_security == dmr::Security::None
                || (m_key && envelope->keyId == m_key->id
                    && dmr::open(*envelope, *m_key) == dmr::OpenResult::Ok));
        const std::optional<dmr::Ack> ack = ours ? dmr::decodeAck(envelope->payload) : std::nullopt;
        if (!ack) {
            m_logger.logLimited(LogLevel::Warning,
                "ignored a datagram from the console that is not a valid acknowledgement");
            continue;
        }
        m_buffer.acknowledge(*ack);
        ++taken;
    }
    return taken;
}

std::int64_t Delivery::nextResendMs(std::int64_t monotonicMs) const
{
    if (!m_buffer.hasDue(monotonicMs, kResendAfterMs))
        return -1;
    if (m_tokens >= 1)
        return monotonicMs;
    // When the bucket holds one token again.
    const double waitMs = (1.0 - m_tokens) * 1000.0 / m_rate;
    return monotonicMs + std::int64_t(std::ceil(waitMs));
}

std::size_t Delivery::resendDue(std::int64_t wallMs, std::int64_t monotonicMs)
{
    // A token bucket: `rate` a second, at most one second's worth at once.
    if (m_tokensAtMs == 0)
        m_tokensAtMs = monotonicMs;
    m_tokens = std::min(m_rate, m_tokens + double(monotonicMs - m_tokensAtMs) * m_rate / 1000.0);
    m_tokensAtMs = monotonicMs;
    if (m_tokens < 1)
        return 0;
    const std::vector<const ResendBuffer::Entry *> due
        = m_buffer.takeDue(monotonicMs, kResendAfterMs, std::size_t(m_tokens));
    for (const ResendBuffer::Entry *entry : due)
        m_sender.send(seal(entry->payload, wallMs));
    m_tokens -= double(due.size());
    m_resent += due.size();
    return due.size();
}

} // namespace dmr::agent
