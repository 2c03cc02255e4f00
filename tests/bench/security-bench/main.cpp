// SPDX-License-Identifier: MIT
// The cost of security levels where the console pays it: ingest (envelope,
// key lookup, HMAC check or decryption, decode, validation, replay window,
// registry, queue), on batches of 64 datagrams as the receiver hands them
// over, for 1,000 devices with their own keys. Sockets and the database are
// left out: they cost the same at every level. Each level runs ROUNDS times,
// interleaved; a level's ratio is the median of its ratios to `none` in the
// same round, which cancels the drift of a shared machine. Rates are per
// second of the thread's CPU time.
//
// Usage: security-bench [REPORTS_PER_ROUND] [ROUNDS]   (default 20000 31)
#include "dmr/Codec.h"
#include "ingest/Ingest.h"
#include "ingest/KeyStore.h"
#include "ingest/ReportQueue.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <vector>

using namespace dmr::console;

namespace {

constexpr int kDevices = 1000;
constexpr int kBatch = 64;

dmr::Report reportFor(int device, quint64 sequence, qint64 sampleTime)
{
    dmr::Report report;
    char id[33];
    std::snprintf(id, sizeof id, "5ec0be4c4c4544004a3510804b%06x", unsigned(device));
    report.deviceId = id;
    report.hostname = "bench-" + std::to_string(device);
    report.agentVersion = dmr::packVersion(0, 1, 0);
    report.intervalSeconds = 10;
    report.runId = 77;
    report.sequence = sequence;
    report.sampleTimeMs = sampleTime;
    report.system.cpuPercent = double(sequence % 10000) / 100.0;
    report.system.memoryTotalKb = 3884084;
    report.system.memoryUsedKb = 1734560;
    report.system.diskTotalKb = 30044096;
    report.system.diskUsedKb = 18453120;
    report.system.load1 = 1.42;
    report.system.load5 = 0.97;
    report.system.load15 = 0.65;
    report.system.uptimeSeconds = 8640123 + sequence;
    for (int i = 0; i < 2; ++i) {
        dmr::InterfaceSample sample;
        sample.name = i == 0 ? "eth0" : "wlan0";
        sample.ipAddress = "192.168." + std::to_string(i) + ".20";
        sample.macAddress = "dc:a6:32:00:4f:9e";
        sample.rxBytes = 98765432109ULL + sequence * 1000;
        sample.txBytes = 12345678901ULL + sequence * 500;
        sample.rxPackets = 87654321 + sequence;
        sample.txPackets = 7654321 + sequence;
        report.interfaces.push_back(sample);
    }
    return report;
}

// CPU time of this thread, not wall time: on a shared machine other
// processes then shift the figures far less (a rate is reports per second of
// the ingest thread's own work, which is what the console has to spare).
double threadCpuSeconds()
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

struct Round
{
    double rate = 0;
    double bytes = 0;
    quint64 accepted = 0;
};

Round runLevel(dmr::Security level, const std::vector<dmr::Key> &keys,
    const std::shared_ptr<const KeyStore> &store, int reports, quint64 firstSequence)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    std::vector<DatagramBatch> batches;
    batches.reserve(std::size_t(reports / kBatch + 1));
    double bytes = 0;
    for (int i = 0; i < reports; ++i) {
        if (i % kBatch == 0)
            batches.emplace_back();
        const int device = i % kDevices;
        const quint64 sequence = firstSequence + quint64(i / kDevices);
        const std::string sealed = dmr::seal(dmr::PayloadKind::Report,
            dmr::encodeReport(reportFor(device, sequence, now)), level, &keys[std::size_t(device)],
            now);
        Datagram datagram;
        datagram.bytes = QByteArray(sealed.data(), qsizetype(sealed.size()));
        datagram.sender = QHostAddress::LocalHost;
        datagram.senderPort = 40000;
        batches.back().append(std::move(datagram));
        bytes += double(sealed.size());
    }

    IngestPolicy policy;
    policy.required = level;
    // Unprotected reports come from devices the console has no keys for.
    if (level != dmr::Security::None)
        policy.keys = store;
    ReportQueue queue(std::size_t(reports) + 1);
    IngestCounters counters;
    Ingest ingest(&queue, &counters, {}, policy);
    const double start = threadCpuSeconds();
    for (const DatagramBatch &batch : batches) {
        ingest.ingest(batch);
        queue.take(kBatch); // the writer's side, so the queue does not grow
    }
    const double seconds = threadCpuSeconds() - start;
    return {double(reports) / seconds, bytes / reports, counters.accepted.load()};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int reports = argc > 1 ? std::max(kBatch, std::atoi(argv[1])) : 20000;
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 31;

    // 1,000 device keys in a key file, read the way the console reads it.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("keys"));
    std::vector<dmr::Key> keys;
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly)
            || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
            return 1;
        for (int device = 0; device < kDevices; ++device) {
            keys.push_back(dmr::Key::generate());
            file.write((reportFor(device, 1, 0).deviceId + ' ' + keys.back().toText() + " sign\n")
                           .c_str());
        }
    }
    auto store = std::make_shared<KeyStore>();
    QString error;
    if (!store->load(path, &error)) {
        std::fprintf(stderr, "security-bench: %s\n", qPrintable(error));
        return 1;
    }

    const dmr::Security levels[]
        = {dmr::Security::None, dmr::Security::Sign, dmr::Security::Encrypt};
    std::map<dmr::Security, std::vector<double>> rates;
    std::map<dmr::Security, std::vector<double>> ratios; // to `none` of the same round
    std::map<dmr::Security, double> bytes;
    quint64 sequence = 1;
    for (int round = 0; round < rounds; ++round) {
        for (dmr::Security level : levels) {
            const Round result = runLevel(level, keys, store, reports, sequence);
            if (result.accepted != quint64(reports)) {
                std::fprintf(stderr, "security-bench: %s accepted %llu of %d\n",
                    dmr::securityName(level), static_cast<unsigned long long>(result.accepted),
                    reports);
                return 1;
            }
            rates[level].push_back(result.rate);
            ratios[level].push_back(result.rate / rates[dmr::Security::None].back());
            bytes[level] = result.bytes;
        }
    }
    // The value at fraction q of the sorted values (0.5: the median).
    auto quantile = [](std::vector<double> values, double q) {
        std::sort(values.begin(), values.end());
        return values[std::size_t(q * double(values.size() - 1) + 0.5)];
    };
    std::printf("ingest of %d reports from %d devices, %d rounds; medians, and the middle half "
                "of the rounds' ratios to none:\n",
        reports, kDevices, rounds);
    for (dmr::Security level : levels) {
        std::printf(
            "  %-8s %9.0f reports/s  ratio %.2f (%.2f-%.2f)  %5.1f bytes/datagram (+%.1f)\n",
            dmr::securityName(level), quantile(rates[level], 0.5), quantile(ratios[level], 0.5),
            quantile(ratios[level], 0.25), quantile(ratios[level], 0.75), bytes[level],
            bytes[level] - bytes[dmr::Security::None]);
    }
    return 0;
}
