// SPDX-License-Identifier: MIT
#include "dmr/Codec.h"

#include "dmr/Hex.h"
#include "dmr/Seal.h"
#include "metrics.pb.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace dmr {

namespace {

constexpr std::int64_t kEarliestSampleMs = 946684800000LL; // 2000-01-01
constexpr std::int64_t kLatestSampleMs = 4102444800000LL; // 2100-01-01
constexpr double kMaxLoad = 1e6;
constexpr double kMinCelsius = -273;
constexpr double kMaxCelsius = 1000;
constexpr double kMaxProcessPercent = 100.0 * kMaxCores;

bool isPrintable(const std::string &text)
{
    for (unsigned char c : text) {
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

// Names people gave things ("Package id 0", "/media/USB STICK", "Web
// Content"): printable ASCII, blanks allowed.
bool isText(const std::string &text)
{
    for (unsigned char c : text) {
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return true;
}

bool isLowerHex(const std::string &text)
{
    if (text.empty() || text.size() % 2 != 0)
        return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

std::string hexToBytes(const std::string &hex)
{
    std::string bytes(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = char(hexDigit(hex[2 * i]) << 4 | hexDigit(hex[2 * i + 1]));
    return bytes;
}

std::string bytesToHex(const std::string &bytes, char separator = 0)
{
    std::string hex;
    hex.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (separator && i > 0)
            hex += separator;
        appendHex(hex, static_cast<unsigned char>(bytes[i]));
    }
    return hex;
}

// "" -> "", "1.2.3.4" -> 4 bytes, "fe80::1" -> 16 bytes; nullopt if not an address.
std::optional<std::string> ipToBytes(const std::string &text)
{
    if (text.empty())
        return std::string();
    unsigned char buffer[16];
    if (inet_pton(AF_INET, text.c_str(), buffer) == 1)
        return std::string(reinterpret_cast<char *>(buffer), 4);
    if (inet_pton(AF_INET6, text.c_str(), buffer) == 1)
        return std::string(reinterpret_cast<char *>(buffer), 16);
    return std::nullopt;
}

std::optional<std::string> bytesToIp(const std::string &bytes)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (bytes.empty())
        return std::string();
    if (bytes.size() == 4 && inet_ntop(AF_INET, bytes.data(), text, sizeof text))
        return std::string(text);
    if (bytes.size() == 16 && inet_ntop(AF_INET6, bytes.data(), text, sizeof text))
        return std::string(text);
    return std::nullopt;
}

// "aa:bb:cc:dd:ee:ff" (any length of colon-separated octets up to 20) -> raw bytes.
std::optional<std::string> macToBytes(const std::string &text)
{
    if (text.empty())
        return std::string();
    if ((text.size() + 1) % 3 != 0 || (text.size() + 1) / 3 > 20)
        return std::nullopt;
    std::string bytes;
    for (std::size_t i = 0; i < text.size(); i += 3) {
        const char hi = text[i], lo = text[i + 1];
        if (!std::isxdigit(static_cast<unsigned char>(hi))
            || !std::isxdigit(static_cast<unsigned char>(lo))
            || (i + 2 < text.size() && text[i + 2] != ':'))
            return std::nullopt;
        bytes += char(std::stoi(std::string {hi, lo}, nullptr, 16));
    }
    return bytes;
}

std::uint32_t toCenti(double value)
{
    return static_cast<std::uint32_t>(std::llround(value * 100.0));
}

double fromCenti(std::uint32_t centi)
{
    return centi / 100.0;
}

std::string checkInterface(const InterfaceSample &sample)
{
    if (sample.name.empty() || sample.name.size() > kMaxInterfaceNameLength
        || !isPrintable(sample.name))
        return "interface name must be 1 to 15 printable characters";
    if (!ipToBytes(sample.ipAddress))
        return "interface " + sample.name + ": ip_address is not an IPv4 or IPv6 address";
    if (!macToBytes(sample.macAddress))
        return "interface " + sample.name + ": mac_address is not a hardware address";
    return {};
}

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) at text[at], and its code
// point; 0 if there is none.
std::size_t utf8Sequence(const std::string &text, std::size_t at, char32_t &codePoint)
{
    const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    std::size_t length = 0;
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        codePoint = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        codePoint = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        codePoint = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() - at < length)
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xc0) != 0x80)
            return 0;
        codePoint = codePoint << 6 | (byte(at + i) & 0x3f);
    }
    const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < smallest[length] || codePoint > 0x10ffff
        || (codePoint >= 0xd800 && codePoint <= 0xdfff))
        return 0;
    return length;
}

} // namespace

bool isLabelName(const std::string &name)
{
    if (name.empty() || name.size() > kMaxLabelNameLength)
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        const bool other = (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!letter && (i == 0 || !other))
            return false;
    }
    return true;
}

// Control characters are C0, DEL and C1: they would break the console's log
// lines, CSV files and table cells. Anything else printable is a user's
// business (spaces, accents, symbols).
bool isLabelValue(const std::string &value)
{
    if (value.size() > kMaxLabelValueLength)
        return false;
    for (std::size_t i = 0; i < value.size();) {
        char32_t codePoint = 0;
        const std::size_t length = utf8Sequence(value, i, codePoint);
        if (length == 0 || codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f))
            return false;
        i += length;
    }
    return true;
}

std::string validateLabels(const Labels &labels)
{
    if (labels.size() > kMaxLabels)
        return "at most 32 labels";
    std::size_t length = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto &[name, value] = labels[i];
        if (!isLabelName(name))
            return "a label name must be 1 to 64 characters [A-Za-z_][A-Za-z0-9_.-]*";
        if (!isLabelValue(value))
            return "label " + name
                + ": the value must be at most 253 bytes of UTF-8 without control characters";
        if (i > 0 && labels[i - 1].first == name)
            return "label " + name + " appears twice";
        if (i > 0 && labels[i - 1].first > name)
            return "labels must be sorted by name";
        length += name.size() + value.size();
    }
    if (length > kMaxLabelsLength)
        return "labels take " + std::to_string(length)
            + " bytes (names and values together), more than 384";
    return {};
}

const char *rejectReasonName(RejectReason reason)
{
    switch (reason) {
    case RejectReason::None:
        return "none";
    case RejectReason::Oversize:
        return "oversize";
    case RejectReason::Empty:
        return "empty";
    case RejectReason::Malformed:
        return "malformed";
    case RejectReason::Unsupported:
        return "unsupported";
    case RejectReason::Invalid:
        return "invalid";
    }
    return "unknown";
}

std::string validateHardware(const HardwareSample &h, bool namesRequired)
{
    auto checkName = [namesRequired](const std::string &name, std::size_t limit) {
        return name.size() <= limit && isText(name) && (!namesRequired || !name.empty());
    };
    if (h.corePercents.size() > kMaxCores)
        return "at most 1024 cores";
    for (double percent : h.corePercents) {
        if (!(percent >= 0 && percent <= 100))
            return "core percentages must be 0 to 100";
    }
    if (h.temperatures.size() > kMaxTemperatures)
        return "at most 32 temperatures";
    for (const TemperatureSample &t : h.temperatures) {
        if (!checkName(t.sensor, kMaxSensorNameLength))
            return "a sensor name must be 1 to 48 printable characters";
        if (!(t.celsius >= kMinCelsius && t.celsius <= kMaxCelsius))
            return "temperature of " + t.sensor + " is not between -273 and 1000 degrees";
    }
    if (h.battery && !(h.battery->percent >= 0 && h.battery->percent <= 100))
        return "battery level must be 0 to 100";
    if (h.swapUsedKb > h.swapTotalKb)
        return "swap_used_kb must not exceed swap_total_kb";
    if (h.diskIo && !(h.diskIo->busyPercent >= 0 && h.diskIo->busyPercent <= 100))
        return "disk busy time must be 0 to 100 percent";
    if (h.fileSystems.size() > kMaxFileSystems)
        return "at most 24 file systems";
    for (const FileSystemSample &fs : h.fileSystems) {
        if (!checkName(fs.mount, kMaxMountLength))
            return "a mount point must be 1 to 128 printable characters";
        if (!checkName(fs.type, kMaxFileSystemTypeLength))
            return "a file system type must be 1 to 24 printable characters";
        if (fs.inodesUsed > fs.inodesTotal && (namesRequired || fs.inodesTotal != 0))
            return "inodes used must not exceed the inodes of " + fs.mount;
    }
    if (h.processes.size() > kMaxProcesses)
        return "at most 10 processes";
    for (const ProcessSample &p : h.processes) {
        // A name left out (the console knows it from an earlier report) is empty.
        // Unlike other names, one may be missing anywhere: the console
        // stores what it could not learn (FactsCache) as it is.
        if (p.name.size() > kMaxProcessNameLength || !isText(p.name)
            || (p.name.empty() && p.nameIncluded))
            return "a process name must be 1 to 15 printable characters";
        if (!(p.cpuPercent >= 0 && p.cpuPercent <= kMaxProcessPercent))
            return "process CPU must be 0 to 100 percent per core";
    }
    if (h.failedUnits) {
        if (h.failedUnits->size() > kMaxFailedUnits)
            return "at most 32 failed units";
        // Like a process's, a unit's name may be unknown anywhere: a console
        // that has the count without the facts stores what it has.
        for (const std::string &unit : *h.failedUnits) {
            if (unit.size() > kMaxUnitNameLength || !isText(unit))
                return "a unit name must be at most 128 printable characters";
        }
    }
    return {};
}

std::string validate(const Report &report)
{
    if (report.deviceId.empty() || report.deviceId.size() > kMaxDeviceIdLength
        || !isPrintable(report.deviceId))
        return "device_id must be 1 to 64 printable characters";
    if (report.hostname.size() > kMaxHostnameLength || !isPrintable(report.hostname))
        return "hostname must be at most 253 printable characters";
    if (report.intervalSeconds < 1 || report.intervalSeconds > kMaxIntervalSeconds)
        return "interval must be 1 to 86400 seconds";
    if (report.sequence < 1)
        return "sequence must start at 1";
    if (report.sampleTimeMs < kEarliestSampleMs || report.sampleTimeMs >= kLatestSampleMs)
        return "sample time is not between 2000 and 2100";
    const SystemSample &s = report.system;
    if (!(s.cpuPercent >= 0 && s.cpuPercent <= 100))
        return "cpu_percent must be 0 to 100";
    if (s.memoryTotalKb == 0 || s.memoryUsedKb > s.memoryTotalKb)
        return "memory_used_kb must not exceed a non-zero memory_total_kb";
    if (s.diskUsedKb > s.diskTotalKb || s.diskAvailableKb > s.diskTotalKb - s.diskUsedKb)
        return "disk_used_kb + disk_available_kb must not exceed disk_total_kb";
    for (double load : {s.load1, s.load5, s.load15}) {
        if (!(load >= 0 && load < kMaxLoad))
            return "load averages must be 0 to 1000000";
    }
    if (report.interfaces.size() > kMaxInterfaces)
        return "at most 32 interfaces";
    for (const InterfaceSample &sample : report.interfaces) {
        std::string problem = checkInterface(sample);
        if (!problem.empty())
            return problem;
    }
    std::string problem = validateLabels(report.labels);
    if (!problem.empty())
        return problem;
    // Without labels the hash stands for the agent's labels the console
    // learnt from an earlier report (or for none, when 0): nothing to check.
    if (!report.labels.empty() && report.labelsHash != labelsHash(report.labels))
        return "labels_hash does not match the labels";
    problem = validateHardware(report.hardware, report.factsIncluded);
    if (!problem.empty())
        return problem;
    if (report.factsIncluded && report.factsHash != factsHash(report.hardware))
        return "facts_hash does not match the facts";
    if (!report.factsIncluded && report.factsHash == 0
        && (!report.hardware.temperatures.empty() || !report.hardware.fileSystems.empty()))
        return "temperatures and file systems need their facts or facts_hash";
    return {};
}

namespace {

void encodeHardware(const Report &report, v1::Report *wire)
{
    const HardwareSample &h = report.hardware;
    if (h.swapTotalKb > 0) {
        wire->mutable_system()->set_swap_used_kb(h.swapUsedKb);
        wire->mutable_system()->set_swap_total_kb(h.swapTotalKb);
    }
    for (double percent : h.corePercents)
        wire->add_core_centi_percent(toCenti(percent));
    for (const TemperatureSample &t : h.temperatures)
        wire->add_temperature_deci_celsius(static_cast<std::int32_t>(std::lround(t.celsius * 10)));
    if (h.battery) {
        wire->mutable_battery()->set_centi_percent(toCenti(h.battery->percent));
        wire->mutable_battery()->set_state(static_cast<v1::Battery::State>(h.battery->state));
    }
    if (h.diskIo) {
        v1::DiskIo *io = wire->mutable_disk_io();
        io->set_read_kb_per_second(h.diskIo->readKbPerSecond);
        io->set_write_kb_per_second(h.diskIo->writeKbPerSecond);
        io->set_busy_centi_percent(toCenti(h.diskIo->busyPercent));
    }
    for (const FileSystemSample &fs : h.fileSystems) {
        wire->add_file_system_use(fs.usedKb);
        wire->add_file_system_use(fs.availableKb);
        wire->add_file_system_use(fs.inodesUsed);
    }
    for (const ProcessSample &p : h.processes) {
        wire->add_process_pid(p.pid);
        wire->add_process_cpu_centi_percent(toCenti(p.cpuPercent));
        wire->add_process_rss_kb(p.rssKb);
        if ((p.nameIncluded || report.factsIncluded) && !p.name.empty()) {
            v1::ProcessName *name = wire->add_process_names();
            name->set_pid(p.pid);
            name->set_name(p.name);
        }
    }
    if (h.failedUnits)
        wire->mutable_systemd()->set_failed_count(std::uint32_t(h.failedUnits->size()));
    wire->set_facts_hash(report.factsHash);
    if (report.factsIncluded && report.factsHash != 0) {
        v1::Facts *facts = wire->mutable_facts();
        for (const TemperatureSample &t : h.temperatures)
            facts->add_sensors(t.sensor);
        for (const FileSystemSample &fs : h.fileSystems) {
            v1::FileSystemFacts *f = facts->add_file_systems();
            f->set_mount(fs.mount);
            f->set_type(fs.type);
            f->set_size_kb(fs.sizeKb);
            f->set_inodes_total(fs.inodesTotal);
        }
        if (h.failedUnits) {
            for (const std::string &unit : *h.failedUnits)
                facts->add_failed_units(unit);
        }
    }
}

// The hardware part of a parsed report, or why it is refused.
std::string decodeHardware(const v1::Report &wire, Report *report)
{
    HardwareSample &h = report->hardware;
    const v1::SystemMetrics &system = wire.system();
    h.swapUsedKb = system.swap_used_kb();
    h.swapTotalKb = system.swap_total_kb();
    if (std::size_t(wire.core_centi_percent_size()) > kMaxCores)
        return "at most 1024 cores";
    for (std::uint32_t centi : wire.core_centi_percent())
        h.corePercents.push_back(fromCenti(centi));
    if (std::size_t(wire.temperature_deci_celsius_size()) > kMaxTemperatures)
        return "at most 32 temperatures";
    for (std::int32_t deci : wire.temperature_deci_celsius())
        h.temperatures.push_back({std::string(), deci / 10.0});
    if (wire.has_battery()) {
        const int state = wire.battery().state();
        h.battery = BatterySample {fromCenti(wire.battery().centi_percent()),
            state >= 0 && state <= int(BatteryState::Full) ? BatteryState(state)
                                                           : BatteryState::Unknown};
    }
    if (wire.has_disk_io()) {
        const v1::DiskIo &io = wire.disk_io();
        h.diskIo = DiskIoSample {
            io.read_kb_per_second(), io.write_kb_per_second(), fromCenti(io.busy_centi_percent())};
    }
    if (wire.file_system_use_size() % 3 != 0)
        return "file_system_use must hold three numbers per file system";
    if (std::size_t(wire.file_system_use_size() / 3) > kMaxFileSystems)
        return "at most 24 file systems";
    for (int i = 0; i < wire.file_system_use_size(); i += 3) {
        FileSystemSample fs;
        fs.usedKb = wire.file_system_use(i);
        fs.availableKb = wire.file_system_use(i + 1);
        fs.inodesUsed = wire.file_system_use(i + 2);
        h.fileSystems.push_back(std::move(fs));
    }
    const int processes = wire.process_pid_size();
    if (std::size_t(processes) > kMaxProcesses)
        return "at most 10 processes";
    if (wire.process_cpu_centi_percent_size() != processes
        || wire.process_rss_kb_size() != processes || wire.process_names_size() > processes)
        return "process arrays differ in length";
    for (int i = 0; i < processes; ++i) {
        ProcessSample p;
        p.pid = wire.process_pid(i);
        p.cpuPercent = fromCenti(wire.process_cpu_centi_percent(i));
        p.rssKb = wire.process_rss_kb(i);
        p.nameIncluded = false;
        for (const v1::ProcessName &name : wire.process_names()) {
            if (name.pid() == p.pid) {
                p.name = name.name();
                p.nameIncluded = true;
            }
        }
        h.processes.push_back(std::move(p));
    }
    if (wire.has_systemd()) {
        if (wire.systemd().failed_count() > kMaxFailedUnits)
            return "at most 32 failed units";
        h.failedUnits.emplace(wire.systemd().failed_count());
    }
    report->factsHash = wire.facts_hash();
    if (wire.has_facts()) {
        const v1::Facts &facts = wire.facts();
        if (std::size_t(facts.sensors_size()) != h.temperatures.size()
            || std::size_t(facts.file_systems_size()) != h.fileSystems.size()
            || std::size_t(facts.failed_units_size())
                != (h.failedUnits ? h.failedUnits->size() : 0))
            return "facts do not match the temperatures, file systems and failed units";
        for (int i = 0; i < facts.sensors_size(); ++i)
            h.temperatures[std::size_t(i)].sensor = facts.sensors(i);
        for (int i = 0; i < facts.file_systems_size(); ++i) {
            const v1::FileSystemFacts &f = facts.file_systems(i);
            FileSystemSample &fs = h.fileSystems[std::size_t(i)];
            fs.mount = f.mount();
            fs.type = f.type();
            fs.sizeKb = f.size_kb();
            fs.inodesTotal = f.inodes_total();
        }
        for (int i = 0; i < facts.failed_units_size(); ++i)
            (*h.failedUnits)[std::size_t(i)] = facts.failed_units(i);
        report->factsIncluded = true;
    }
    return {};
}

v1::Report toWire(const Report &report)
{
    v1::Report wire;
    if (isLowerHex(report.deviceId))
        wire.set_device_id_hex(hexToBytes(report.deviceId));
    else
        wire.set_device_id(report.deviceId);
    wire.set_hostname(report.hostname);
    wire.set_agent_version(report.agentVersion);
    wire.set_interval_seconds(report.intervalSeconds);
    wire.set_run_id(report.runId);
    wire.set_sequence(report.sequence);
    wire.set_sample_time_ms(report.sampleTimeMs);

    const SystemSample &s = report.system;
    v1::SystemMetrics *system = wire.mutable_system();
    system->set_cpu_centi_percent(toCenti(s.cpuPercent));
    system->set_memory_used_kb(s.memoryUsedKb);
    system->set_memory_total_kb(s.memoryTotalKb);
    system->set_disk_used_kb(s.diskUsedKb);
    system->set_disk_total_kb(s.diskTotalKb);
    // Absent means nothing is reserved for root (available = total - used),
    // which is also how older agents' reports read: two bytes saved where
    // that holds, and encoding stays canonical.
    if (s.diskAvailableKb != s.diskTotalKb - s.diskUsedKb)
        system->set_disk_available_kb(s.diskAvailableKb);
    system->set_load_1_centi(toCenti(s.load1));
    system->set_load_5_centi(toCenti(s.load5));
    system->set_load_15_centi(toCenti(s.load15));
    system->set_uptime_seconds(s.uptimeSeconds);

    for (const InterfaceSample &sample : report.interfaces) {
        v1::NetworkInterface *iface = wire.add_interfaces();
        iface->set_name(sample.name);
        iface->set_ip(ipToBytes(sample.ipAddress).value_or(std::string()));
        iface->set_mac(macToBytes(sample.macAddress).value_or(std::string()));
        iface->set_rx_bytes(sample.rxBytes);
        iface->set_tx_bytes(sample.txBytes);
        iface->set_rx_packets(sample.rxPackets);
        iface->set_tx_packets(sample.txPackets);
    }

    for (const auto &[name, value] : report.labels) {
        v1::Label *label = wire.add_labels();
        label->set_name(name);
        label->set_value(value);
    }
    wire.set_labels_hash(report.labelsHash);
    encodeHardware(report, &wire);
    return wire;
}

} // namespace

std::size_t encodedSize(const Report &report)
{
    return toWire(report).ByteSizeLong();
}

std::string encodeReport(const Report &report)
{
    v1::Report wire = toWire(report);

    // Leave out what matters least rather than send what every console
    // refuses: trailing interfaces beyond four, the processes, last first,
    // then the other interfaces. The agent trims the rest to fit
    // (ReportBuilder::fitToDatagram).
    auto tooLarge
        = [&wire] { return wire.ByteSizeLong() + kMaxEnvelopeOverhead > kMaxDatagramSize; };
    // Interfaces beyond the first few go before any process (a host's
    // container veths matter less than what runs on it); ReportBuilder sized
    // the rest to fit with four.
    while (tooLarge() && std::size_t(wire.interfaces_size()) > kKeptInterfaces)
        wire.mutable_interfaces()->RemoveLast();
    while (tooLarge() && wire.process_pid_size() > 0) {
        const std::uint32_t pid = wire.process_pid(wire.process_pid_size() - 1);
        wire.mutable_process_pid()->RemoveLast();
        wire.mutable_process_cpu_centi_percent()->RemoveLast();
        wire.mutable_process_rss_kb()->RemoveLast();
        if (wire.process_names_size() > 0
            && wire.process_names(wire.process_names_size() - 1).pid() == pid)
            wire.mutable_process_names()->RemoveLast();
    }
    while (tooLarge() && wire.interfaces_size() > 0)
        wire.mutable_interfaces()->RemoveLast();
    return wire.SerializeAsString();
}

std::string encodeHardwareRecord(const HardwareSample &hardware)
{
    Report report;
    report.hardware = hardware;
    report.factsHash = factsHash(hardware);
    report.factsIncluded = true;
    v1::Report wire;
    encodeHardware(report, &wire);
    return wire.SerializeAsString();
}

std::optional<HardwareSample> decodeHardwareRecord(const std::string &bytes)
{
    v1::Report wire;
    if (!wire.ParseFromString(bytes))
        return std::nullopt;
    Report report;
    if (!decodeHardware(wire, &report).empty() || (report.factsHash != 0 && !report.factsIncluded)
        || !validateHardware(report.hardware, true).empty())
        return std::nullopt;
    return std::move(report.hardware);
}

std::string encode(const Report &report)
{
    return seal(PayloadKind::Report, encodeReport(report), Security::None, nullptr, 0);
}

bool Ack::stored(std::uint64_t sequence) const
{
    if (sequence <= contiguous)
        return true;
    const std::uint64_t bit = sequence - contiguous - 2;
    return sequence >= contiguous + 2 && bit < 64 && (storedAbove >> bit & 1);
}

bool Ack::operator==(const Ack &other) const
{
    return runId == other.runId && contiguous == other.contiguous
        && storedAbove == other.storedAbove;
}

std::string encodeAck(const Ack &ack)
{
    v1::Ack wire;
    wire.set_run_id(ack.runId);
    wire.set_contiguous(ack.contiguous);
    wire.set_stored_above(ack.storedAbove);
    return wire.SerializeAsString();
}

std::optional<Ack> decodeAck(const std::string &payload)
{
    v1::Ack wire;
    if (!wire.ParseFromString(payload))
        return std::nullopt;
    Ack ack;
    ack.runId = wire.run_id();
    ack.contiguous = wire.contiguous();
    ack.storedAbove = wire.stored_above();
    return ack;
}

DecodeResult decode(const void *data, std::size_t size)
{
    DecodeResult result;
    auto reject = [&result](RejectReason reason, std::string detail) {
        result.reason = reason;
        result.detail = std::move(detail);
        return result;
    };
    if (size == 0)
        return reject(RejectReason::Empty, "empty datagram");
    if (size > kMaxDatagramSize)
        return reject(RejectReason::Oversize,
            std::to_string(size) + " bytes is over the limit of "
                + std::to_string(kMaxDatagramSize));

    std::optional<Envelope> envelope = parseEnvelope(data, size);
    if (!envelope)
        return reject(RejectReason::Malformed, "not a protobuf datagram envelope");
    if (envelope->kind != PayloadKind::Report)
        return reject(RejectReason::Malformed, "not a report (an acknowledgement)");
    if (envelope->security != Security::None)
        return reject(RejectReason::Unsupported,
            std::string("a ") + securityName(envelope->security)
                + " datagram needs the device's key");
    return decodeReport(envelope->payload);
}

DecodeResult decodeReport(const std::string &payload)
{
    DecodeResult result;
    auto reject = [&result](RejectReason reason, std::string detail) {
        result.reason = reason;
        result.detail = std::move(detail);
        return result;
    };
    v1::Report wire;
    if (payload.empty() || !wire.ParseFromString(payload))
        return reject(RejectReason::Malformed, "payload is not a protobuf report");
    if (!wire.has_system())
        return reject(RejectReason::Invalid, "report has no system metrics");

    Report report;
    switch (wire.device_case()) {
    case v1::Report::kDeviceId:
        report.deviceId = wire.device_id();
        break;
    case v1::Report::kDeviceIdHex:
        if (wire.device_id_hex().size() * 2 > kMaxDeviceIdLength)
            return reject(RejectReason::Invalid, "device_id is too long");
        report.deviceId = bytesToHex(wire.device_id_hex());
        break;
    case v1::Report::DEVICE_NOT_SET:
        return reject(RejectReason::Invalid, "report has no device_id");
    }
    report.hostname = wire.hostname();
    report.agentVersion = wire.agent_version();
    report.intervalSeconds = wire.interval_seconds();
    report.runId = wire.run_id();
    report.sequence = wire.sequence();
    report.sampleTimeMs = wire.sample_time_ms();

    const v1::SystemMetrics &system = wire.system();
    if (system.cpu_centi_percent() > 10000)
        return reject(RejectReason::Invalid, "cpu percentage is over 100");
    SystemSample &s = report.system;
    s.cpuPercent = fromCenti(system.cpu_centi_percent());
    s.memoryUsedKb = system.memory_used_kb();
    s.memoryTotalKb = system.memory_total_kb();
    s.diskUsedKb = system.disk_used_kb();
    s.diskTotalKb = system.disk_total_kb();
    // An older agent sent total = used + available and no available.
    if (system.has_disk_available_kb())
        s.diskAvailableKb = system.disk_available_kb();
    else if (s.diskTotalKb >= s.diskUsedKb)
        s.diskAvailableKb = s.diskTotalKb - s.diskUsedKb;
    s.load1 = fromCenti(system.load_1_centi());
    s.load5 = fromCenti(system.load_5_centi());
    s.load15 = fromCenti(system.load_15_centi());
    s.uptimeSeconds = system.uptime_seconds();

    if (static_cast<std::size_t>(wire.interfaces_size()) > kMaxInterfaces)
        return reject(RejectReason::Invalid, "at most 32 interfaces");
    report.interfaces.reserve(wire.interfaces_size());
    for (const v1::NetworkInterface &iface : wire.interfaces()) {
        InterfaceSample sample;
        sample.name = iface.name();
        const std::optional<std::string> ip = bytesToIp(iface.ip());
        if (!ip)
            return reject(
                RejectReason::Invalid, "interface " + sample.name + ": ip must be 4 or 16 bytes");
        sample.ipAddress = *ip;
        if (iface.mac().size() > 20)
            return reject(RejectReason::Invalid,
                "interface " + sample.name + ": mac is longer than 20 bytes");
        sample.macAddress = bytesToHex(iface.mac(), ':');
        sample.rxBytes = iface.rx_bytes();
        sample.txBytes = iface.tx_bytes();
        sample.rxPackets = iface.rx_packets();
        sample.txPackets = iface.tx_packets();
        report.interfaces.push_back(std::move(sample));
    }

    if (static_cast<std::size_t>(wire.labels_size()) > kMaxLabels)
        return reject(RejectReason::Invalid, "at most 32 labels");
    report.labels.reserve(wire.labels_size());
    for (const v1::Label &label : wire.labels())
        report.labels.emplace_back(label.name(), label.value());
    // The hash does not depend on the order: a sender need not sort.
    std::stable_sort(report.labels.begin(), report.labels.end(),
        [](const auto &a, const auto &b) { return a.first < b.first; });
    report.labelsHash = wire.labels_hash();
    std::string problem = decodeHardware(wire, &report);
    if (!problem.empty())
        return reject(RejectReason::Invalid, std::move(problem));

    problem = validate(report);
    if (!problem.empty())
        return reject(RejectReason::Invalid, std::move(problem));
    result.report = std::move(report);
    return result;
}

} // namespace dmr
