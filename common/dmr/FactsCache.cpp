// SPDX-License-Identifier: MIT
#include "dmr/FactsCache.h"

namespace dmr {

FactsCache::Outcome FactsCache::resolve(Report &report)
{
    HardwareSample &hardware = report.hardware;
    if (report.factsHash == 0)
        return Outcome::None;
    if (report.factsIncluded) {
        Facts &facts = m_facts[report.deviceId];
        facts.hash = report.factsHash;
        facts.sensors.clear();
        for (const TemperatureSample &sensor : hardware.temperatures)
            facts.sensors.push_back(sensor.sensor);
        facts.fileSystems = hardware.fileSystems;
        return Outcome::Learnt;
    }
    const auto known = m_facts.find(report.deviceId);
    if (known == m_facts.end() || known->second.hash != report.factsHash
        || known->second.sensors.size() != hardware.temperatures.size()
        || known->second.fileSystems.size() != hardware.fileSystems.size()) {
        hardware.temperatures.clear();
        hardware.fileSystems.clear();
        return Outcome::Unknown;
    }
    const Facts &facts = known->second;
    for (std::size_t i = 0; i < facts.sensors.size(); ++i)
        hardware.temperatures[i].sensor = facts.sensors[i];
    for (std::size_t i = 0; i < facts.fileSystems.size(); ++i) {
        FileSystemSample &fs = hardware.fileSystems[i];
        fs.mount = facts.fileSystems[i].mount;
        fs.type = facts.fileSystems[i].type;
        fs.sizeKb = facts.fileSystems[i].sizeKb;
        fs.inodesTotal = facts.fileSystems[i].inodesTotal;
    }
    return Outcome::Filled;
}

void FactsCache::forget(const std::string &deviceId)
{
    m_facts.erase(deviceId);
}

} // namespace dmr
