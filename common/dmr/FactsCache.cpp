// SPDX-License-Identifier: MIT
#include "dmr/FactsCache.h"

#include <algorithm>

namespace dmr {

void FactsCache::nameProcesses(Report &report, Facts &facts)
{
    auto &known = facts.processes;
    for (ProcessSample &process : report.hardware.processes) {
        auto at = std::find_if(known.begin(), known.end(),
            [&process](const auto &entry) { return entry.first == process.pid; });
        if (!process.name.empty()) {
            if (at != known.end())
                known.erase(at);
            known.emplace_back(process.pid, process.name);
        } else if (at != known.end()) {
            process.name = at->second;
        } else {
            ++m_unnamed;
        }
    }
    if (known.size() > kRememberedProcesses)
        known.erase(known.begin(), known.end() - long(kRememberedProcesses));
}

FactsCache::Outcome FactsCache::resolve(Report &report)
{
    HardwareSample &hardware = report.hardware;
    if (report.factsHash == 0 && hardware.processes.empty())
        return Outcome::None;
    Facts &facts = m_facts[report.deviceId];
    nameProcesses(report, facts);
    if (report.factsHash == 0)
        return Outcome::None;
    if (report.factsIncluded) {
        facts.hash = report.factsHash;
        facts.sensors.clear();
        for (const TemperatureSample &sensor : hardware.temperatures)
            facts.sensors.push_back(sensor.sensor);
        facts.fileSystems = hardware.fileSystems;
        facts.failedUnits = hardware.failedUnits.value_or(std::vector<std::string>());
        return Outcome::Learnt;
    }
    const std::size_t failed = hardware.failedUnits ? hardware.failedUnits->size() : 0;
    if (facts.hash != report.factsHash || facts.sensors.size() != hardware.temperatures.size()
        || facts.fileSystems.size() != hardware.fileSystems.size()
        || facts.failedUnits.size() != failed) {
        // The count of failed units stays: alerting needs no names for it.
        hardware.temperatures.clear();
        hardware.fileSystems.clear();
        return Outcome::Unknown;
    }
    for (std::size_t i = 0; i < facts.sensors.size(); ++i)
        hardware.temperatures[i].sensor = facts.sensors[i];
    for (std::size_t i = 0; i < facts.fileSystems.size(); ++i) {
        FileSystemSample &fs = hardware.fileSystems[i];
        fs.mount = facts.fileSystems[i].mount;
        fs.type = facts.fileSystems[i].type;
        fs.sizeKb = facts.fileSystems[i].sizeKb;
        fs.inodesTotal = facts.fileSystems[i].inodesTotal;
    }
    if (hardware.failedUnits)
        *hardware.failedUnits = facts.failedUnits;
    return Outcome::Filled;
}

void FactsCache::learn(const std::string &deviceId, const HardwareSample &hardware)
{
    const std::uint32_t hash = factsHash(hardware);
    if (hash == 0)
        return;
    Facts &facts = m_facts[deviceId];
    facts.hash = hash;
    facts.sensors.clear();
    for (const TemperatureSample &sensor : hardware.temperatures)
        facts.sensors.push_back(sensor.sensor);
    facts.fileSystems = hardware.fileSystems;
    facts.failedUnits = hardware.failedUnits.value_or(std::vector<std::string>());
    for (const ProcessSample &process : hardware.processes) {
        if (!process.name.empty() && facts.processes.size() < kRememberedProcesses)
            facts.processes.emplace_back(process.pid, process.name);
    }
}

void FactsCache::forget(const std::string &deviceId)
{
    m_facts.erase(deviceId);
}

} // namespace dmr
