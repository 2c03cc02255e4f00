// SPDX-License-Identifier: MIT
#include "LoadGenerator.h"

#include "UdpBatchSender.h"
#include "dmr/Codec.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <random>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace dmr::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Upper bound of one sendmmsg call; beyond this the syscall saving is gone and
// the burst on the wire gets long.
constexpr std::size_t kMaxBatch = 64;

std::int64_t epochMilliseconds()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

std::string LoadGenerator::writeKeyFile(const LoadOptions &options)
{
    std::string text;
    for (std::uint32_t i = 0; i < options.devices; ++i)
        text += SimulatedDevice::deviceIdFor(options.seed, i) + ' '
            + SimulatedDevice::keyFor(options.seed, i).toText() + ' '
            + securityName(options.security) + '\n';
    const int fd = ::open(options.writeKeysPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return options.writeKeysPath + ": " + std::strerror(errno);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const std::string error = options.writeKeysPath + ": " + std::strerror(errno);
            ::close(fd);
            return error;
        }
        written += std::size_t(n);
    }
    // A file that existed keeps its mode through O_CREAT; the console refuses
    // one others can read.
    if (::fchmod(fd, 0600) != 0 || ::close(fd) != 0)
        return options.writeKeysPath + ": " + std::strerror(errno);
    return {};
}

std::string LoadSummary::machineLine() const
{
    char line[256];
    std::snprintf(line, sizeof line,
        "sent=%llu errors=%llu refused=%llu duration_s=%.2f rate_per_s=%.1f "
        "bytes_per_report=%.0f",
        static_cast<unsigned long long>(sent), static_cast<unsigned long long>(errors),
        static_cast<unsigned long long>(refused), durationSeconds, ratePerSecond(), bytesPerReport);
    return line;
}

LoadGenerator::LoadGenerator(const LoadOptions &options)
    : m_options(options)
{
    std::mt19937 runIds {std::random_device {}()};
    m_devices.reserve(options.devices);
    for (std::uint32_t i = 0; i < options.devices; ++i) {
        m_devices.emplace_back(options.seed, i, options.interfaces, options.intervalSeconds(),
            options.runId.value_or(runIds()), options.hardware);
        if (options.labelValues > 0) {
            char value[16];
            std::snprintf(value, sizeof value, "rack-%02u", i % options.labelValues);
            m_devices.back().setLabels({{"rack", value}});
        }
    }
    if (options.security != Security::None) {
        m_keys.reserve(options.devices);
        for (std::uint32_t i = 0; i < options.devices; ++i)
            m_keys.push_back(SimulatedDevice::keyFor(options.seed, i));
    }
}

std::string LoadGenerator::run(const std::atomic<bool> &stop, LoadSummary &summary)
{
    std::vector<std::unique_ptr<UdpBatchSender>> senders;
    for (std::uint32_t i = 0; i < m_options.sockets; ++i) {
        senders.push_back(std::make_unique<UdpBatchSender>());
        if (std::string error = senders.back()->open(m_options.targetHost, m_options.targetPort);
            !error.empty())
            return error;
    }

    const std::uint64_t total = m_options.totalReports();
    const double rate = m_options.ratePerSecond;
    // Aim for about one batch a millisecond: large batches at high rates for
    // fewer syscalls, single reports at low rates so that they are not bursty.
    const auto batchSize
        = static_cast<std::uint64_t>(std::clamp(std::floor(rate / 1000.0), 1.0, double(kMaxBatch)));
    // One batch per socket, so that each still sends with one sendmmsg call.
    std::vector<std::vector<std::string>> batches(
        senders.size(), std::vector<std::string>(kMaxBatch));
    std::vector<std::size_t> counts(senders.size());
    std::uint64_t produced = 0;
    std::uint64_t bytes = 0;
    std::size_t cursor = 0;

    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start
        + std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(m_options.durationSeconds));
    // A run that fell a little behind (a busy machine) may finish its last
    // reports shortly after the deadline, so that its count stays exact; a
    // run far behind stops there and reports the rate it reached.
    const Clock::time_point hardStop = deadline
        + std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(std::min(1.0, m_options.durationSeconds / 20)));
    // Report i is due at i / rate, so the last one is due before the deadline.
    auto dueTime = [&](std::uint64_t index) {
        return start
            + std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(double(index) / rate));
    };

    while (produced < total && !stop.load(std::memory_order_relaxed)) {
        const Clock::time_point now = Clock::now();
        if (now >= hardStop)
            break;
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const std::uint64_t due = std::min<std::uint64_t>(total, std::uint64_t(elapsed * rate) + 1);
        if (due <= produced) {
            std::this_thread::sleep_until(
                std::min(dueTime(std::min(total, produced + batchSize) - 1), deadline));
            continue;
        }
        // Behind schedule after a stall, catch up in full batches.
        const auto count
            = static_cast<std::size_t>(std::min<std::uint64_t>(due - produced, kMaxBatch));
        const std::int64_t nowMs = epochMilliseconds();
        std::fill(counts.begin(), counts.end(), 0);
        for (std::size_t i = 0; i < count; ++i) {
            const Report &report = m_devices[cursor].next(nowMs);
            const std::size_t socket = cursor % senders.size();
            std::string &datagram = batches[socket][counts[socket]++];
            datagram = m_keys.empty() ? encode(report)
                                      : seal(PayloadKind::Report, encodeReport(report),
                                          m_options.security, &m_keys[cursor], nowMs);
            bytes += datagram.size();
            cursor = cursor + 1 == m_devices.size() ? 0 : cursor + 1;
        }
        for (std::size_t socket = 0; socket < senders.size(); ++socket) {
            if (counts[socket] > 0)
                senders[socket]->send(batches[socket], counts[socket]);
        }
        produced += count;
    }
    // The run lasts its full duration even when the last report went early, so
    // that rate_per_s compares with the requested rate.
    if (!stop.load())
        std::this_thread::sleep_until(deadline);

    summary = {};
    for (const auto &sender : senders) {
        summary.sent += sender->sent();
        summary.errors += sender->errors();
        summary.refused += sender->refused();
        if (!sender->lastError().empty())
            summary.lastError = sender->lastError();
    }
    summary.durationSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    summary.bytesPerReport = produced ? double(bytes) / double(produced) : 0;
    return {};
}

} // namespace dmr::bench
