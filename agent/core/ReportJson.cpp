// SPDX-License-Identifier: MIT
#include "ReportJson.h"

#include "Clock.h"

#include <cmath>
#include <cstdio>

namespace dmr::agent {

namespace {

// Hundredths, as on the wire; plain C locale formatting (the agent never
// calls setlocale, so the decimal separator is always '.').
std::string number(double value)
{
    if (!std::isfinite(value))
        return "0";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", std::round(value * 100.0) / 100.0);
    return text;
}

class Writer
{
public:
    void field(const char *name, const std::string &jsonValue, int indent)
    {
        if (!m_first)
            m_out += ",\n";
        m_first = false;
        m_out.append(std::size_t(indent), ' ');
        m_out += '"';
        m_out += name;
        m_out += "\": ";
        m_out += jsonValue;
    }
    void resetFirst() { m_first = true; }
    std::string &out() { return m_out; }

private:
    std::string m_out;
    bool m_first = true;
};

// One line per list: the hardware part is long, and jq reads it all the same.
template<class T, class Item>
std::string list(const std::vector<T> &items, Item item)
{
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + item(items[i]);
    return out + ']';
}

void formatHardware(Writer &w, const dmr::HardwareSample &h)
{
    w.field("core_percents", list(h.corePercents, number), 2);
    w.field("temperatures",
        list(h.temperatures,
            [](const dmr::TemperatureSample &t) {
                return "{\"sensor\": " + ReportJson::quote(t.sensor)
                    + ", \"celsius\": " + number(t.celsius) + '}';
            }),
        2);
    w.field("battery",
        h.battery ? "{\"percent\": " + number(h.battery->percent)
                + ", \"state\": " + ReportJson::quote(dmr::batteryStateName(h.battery->state)) + '}'
                  : std::string("null"),
        2);
    w.field("swap_used_kb", std::to_string(h.swapUsedKb), 2);
    w.field("swap_total_kb", std::to_string(h.swapTotalKb), 2);
    w.field("disk_io",
        h.diskIo ? "{\"read_kb_per_second\": " + std::to_string(h.diskIo->readKbPerSecond)
                + ", \"write_kb_per_second\": " + std::to_string(h.diskIo->writeKbPerSecond)
                + ", \"busy_percent\": " + number(h.diskIo->busyPercent) + '}'
                 : std::string("null"),
        2);
    w.field("file_systems",
        list(h.fileSystems,
            [](const dmr::FileSystemSample &fs) {
                return "{\"mount\": " + ReportJson::quote(fs.mount) + ", \"type\": "
                    + ReportJson::quote(fs.type) + ", \"size_kb\": " + std::to_string(fs.sizeKb)
                    + ", \"used_kb\": " + std::to_string(fs.usedKb) + ", \"available_kb\": "
                    + std::to_string(fs.availableKb) + ", \"percent\": " + number(fs.percent())
                    + ", \"inodes_total\": " + std::to_string(fs.inodesTotal)
                    + ", \"inodes_used\": " + std::to_string(fs.inodesUsed)
                    + ", \"inode_percent\": " + number(fs.inodePercent()) + '}';
            }),
        2);
    w.field("processes",
        list(h.processes,
            [](const dmr::ProcessSample &p) {
                return "{\"pid\": " + std::to_string(p.pid) + ", \"name\": "
                    + ReportJson::quote(p.name) + ", \"cpu_percent\": " + number(p.cpuPercent)
                    + ", \"rss_kb\": " + std::to_string(p.rssKb) + '}';
            }),
        2);
    w.field("failed_units",
        h.failedUnits
            ? list(*h.failedUnits, [](const std::string &unit) { return ReportJson::quote(unit); })
            : std::string("null"),
        2);
}

} // namespace

std::string ReportJson::quote(std::string_view text)
{
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                out += escaped;
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
    return out;
}

std::string ReportJson::format(const dmr::Report &report)
{
    const dmr::SystemSample &s = report.system;
    Writer w;
    w.out() = "{\n";
    w.field("device_id", quote(report.deviceId), 2);
    w.field("hostname", quote(report.hostname), 2);
    if (!report.labels.empty()) {
        std::string labels = "{";
        for (const auto &[name, value] : report.labels)
            labels += (labels.size() > 1 ? ", " : "") + quote(name) + ": " + quote(value);
        w.field("labels", labels + '}', 2);
    }
    w.field("agent_version", quote(dmr::versionString(report.agentVersion)), 2);
    w.field("interval_seconds", std::to_string(report.intervalSeconds), 2);
    w.field("run_id", std::to_string(report.runId), 2);
    w.field("sequence", std::to_string(report.sequence), 2);
    w.field("sample_time", quote(Clock::isoUtc(report.sampleTimeMs)), 2);
    w.field("ts", std::to_string(report.sampleTimeMs), 2);
    w.field("cpu_percent", number(s.cpuPercent), 2);
    w.field("memory_percent", number(s.memoryPercent()), 2);
    w.field("memory_used_kb", std::to_string(s.memoryUsedKb), 2);
    w.field("memory_total_kb", std::to_string(s.memoryTotalKb), 2);
    w.field("disk_percent", number(s.diskPercent()), 2);
    w.field("disk_used_kb", std::to_string(s.diskUsedKb), 2);
    w.field("disk_total_kb", std::to_string(s.diskTotalKb), 2);
    w.field("disk_available_kb", std::to_string(s.diskAvailableKb), 2);
    w.field("load_1", number(s.load1), 2);
    w.field("load_5", number(s.load5), 2);
    w.field("load_15", number(s.load15), 2);
    w.field("uptime_seconds", std::to_string(s.uptimeSeconds), 2);
    if (report.interfaces.empty()) {
        w.field("network", "[]", 2);
    } else {
        w.field("network", "[", 2);
        for (std::size_t i = 0; i < report.interfaces.size(); ++i) {
            const dmr::InterfaceSample &n = report.interfaces[i];
            w.out() += "\n    {\n";
            w.resetFirst();
            w.field("interface", quote(n.name), 6);
            w.field("ip_address", quote(n.ipAddress), 6);
            w.field("mac_address", quote(n.macAddress), 6);
            w.field("rx_bytes", std::to_string(n.rxBytes), 6);
            w.field("tx_bytes", std::to_string(n.txBytes), 6);
            w.field("rx_packets", std::to_string(n.rxPackets), 6);
            w.field("tx_packets", std::to_string(n.txPackets), 6);
            w.out() += i + 1 < report.interfaces.size() ? "\n    }," : "\n    }";
        }
        w.out() += "\n  ]";
    }
    formatHardware(w, report.hardware);
    w.out() += "\n}\n";
    return w.out();
}

} // namespace dmr::agent
