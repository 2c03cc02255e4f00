// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Codec.h"
#include "dmr/Report.h"

#include <QByteArray>
#include <cstdio>
#include <string>

namespace TestReports {

// A valid report such as an agent on a small Linux box sends. The values vary
// with the device, run, sequence and interface so that a test reading them back
// from a database can tell rows apart; every value is a multiple of 0.01 so
// that it survives the codec's rounding unchanged.
inline dmr::Report makeReport(
    const std::string &deviceId, quint32 runId, quint64 sequence, int interfaces = 2)
{
    const quint64 s = sequence;
    dmr::Report report;
    report.deviceId = deviceId;
    report.hostname = "host-" + deviceId.substr(0, 8);
    report.agentVersion = dmr::packVersion(0, 1, 0);
    report.intervalSeconds = 10;
    report.runId = runId;
    report.sequence = sequence;
    report.sampleTimeMs = 1795000000000LL + qint64(s) * 10000 + qint64(runId % 1000);
    report.system.cpuPercent = double(s * 37 % 10001) / 100.0;
    report.system.memoryTotalKb = 3884084;
    report.system.memoryUsedKb = 1000000 + s * 1234 % 2000000;
    report.system.diskTotalKb = 30044096;
    report.system.diskUsedKb = 18453120 + s % 1000;
    // ext4's 5 % reserved for root: in the size, neither used nor available.
    report.system.diskAvailableKb = 30044096 - 1502204 - report.system.diskUsedKb;
    report.system.load1 = double(s % 400) / 100.0;
    report.system.load5 = double(s % 300) / 100.0;
    report.system.load15 = double(s % 200) / 100.0;
    report.system.uptimeSeconds = 8640000 + s * 10;
    for (int i = 0; i < interfaces; ++i) {
        dmr::InterfaceSample sample;
        sample.name = i == 0 ? "eth0" : "wlan" + std::to_string(i - 1);
        sample.ipAddress = "192.168." + std::to_string(i) + "." + std::to_string(1 + s % 250);
        char mac[18];
        std::snprintf(
            mac, sizeof mac, "dc:a6:32:%02x:4f:%02x", unsigned(i & 0xff), unsigned(s % 256));
        sample.macAddress = mac;
        sample.rxBytes = 98765432109ULL + s * 1000 + quint64(i);
        sample.txBytes = 12345678901ULL + s * 500 + quint64(i);
        sample.rxPackets = 87654321 + s * 10 + quint64(i);
        sample.txPackets = 7654321 + s * 5 + quint64(i);
        report.interfaces.push_back(sample);
    }
    return report;
}

// A machine-id-like device id (32 lowercase hex digits) for device number n.
inline std::string deviceId(int n)
{
    char id[33];
    std::snprintf(id, sizeof id, "4c4c4544004a3510804bb2c0%08x", unsigned(n));
    return id;
}

inline QByteArray encoded(const dmr::Report &report)
{
    const std::string bytes = dmr::encode(report);
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

} // namespace TestReports
