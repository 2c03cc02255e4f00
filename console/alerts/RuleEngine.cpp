// SPDX-License-Identifier: MIT
#include "alerts/RuleEngine.h"

#include "store/HardwareMetrics.h"
#include "store/SystemFields.h"

#include <algorithm>

namespace dmr::console {

namespace {

// Loss is measured over the rule's duration: it fires as soon as the window
// says so. Every other rule's condition must hold for its duration.
qint64 holdMs(const Rule &rule)
{
    return rule.isLoss() ? 0 : rule.forMs;
}

// Loss samples older than this are of no rule's window (for_seconds <= 30 d).
constexpr qint64 kLossHistoryMs = 30LL * 86400 * 1000;
constexpr std::size_t kLossSamplesKept = 20000;

} // namespace

const Rule *RuleEngine::ruleById(qint64 id) const
{
    const int index = indexOf(id);
    return index < 0 ? nullptr : &m_rules.at(index);
}

Labels RuleEngine::labels(const QString &uuid) const
{
    const auto device = m_devices.constFind(uuid);
    return device == m_devices.cend() ? Labels() : device->labels;
}

QList<AlertEvent> RuleEngine::setRules(const QList<Rule> &rules, qint64 nowMs)
{
    QHash<qint64, Rule> before;
    for (const Rule &rule : std::as_const(m_rules))
        before.insert(rule.id, rule);
    m_rules = rules;
    m_measures.clear();
    m_ruleIndex.clear();
    m_rateRules = m_lossRules = false;
    for (const Rule &rule : std::as_const(m_rules)) {
        m_ruleIndex.insert(rule.id, int(m_measures.size()));
        const int index = int(SystemFields::names().indexOf(rule.metric));
        Measure measure = index >= 0 ? Measure::System : Measure::Unknown;
        if (rule.isOffline())
            measure = Measure::Offline;
        else if (rule.isLoss())
            measure = Measure::Loss;
        else if (rule.metric == QLatin1String("rx_rate"))
            measure = Measure::RxRate;
        else if (rule.metric == QLatin1String("tx_rate"))
            measure = Measure::TxRate;
        const int hardware = HardwareMetrics::index(rule.metric);
        if (hardware >= 0)
            measure = Measure::Hardware;
        m_measures.emplace_back(measure, hardware >= 0 ? hardware : index);
        m_rateRules = m_rateRules || (rule.enabled && rule.isRate());
        m_lossRules = m_lossRules || (rule.enabled && rule.isLoss());
    }
    QList<AlertEvent> events;
    for (auto device = m_devices.begin(); device != m_devices.end(); ++device) {
        std::vector<State> &states = device->states;
        for (auto it = states.begin(); it != states.end();) {
            const Rule *rule = ruleById(it->ruleId);
            const auto old = before.constFind(it->ruleId);
            // An edit that changed what the rule measures, or which devices
            // it targets, ends what it held here as much as a deletion does.
            const bool same = rule && rule->enabled && rule->applies(device.key(), device->labels)
                && (old == before.cend()
                    || (old->metric == rule->metric && old->comparison == rule->comparison));
            if (same) {
                ++it;
                continue;
            }
            if (it->firing) {
                Rule gone;
                gone.id = it->ruleId;
                events.append({AlertEvent::Kind::Cleared, rule ? *rule : gone, device.key(),
                    it->interface, it->value, nowMs, false});
            }
            it = states.erase(it);
        }
    }
    return events;
}

QList<AlertEvent> RuleEngine::setLabels(const QString &uuid, const Labels &labels, qint64 nowMs)
{
    QList<AlertEvent> events;
    Device &device = m_devices[uuid];
    if (device.labels == labels)
        return events;
    device.labels = labels;
    for (auto it = device.states.begin(); it != device.states.end();) {
        const Rule *rule = ruleById(it->ruleId);
        if (!rule || rule->applies(uuid, labels)) {
            ++it;
            continue;
        }
        if (it->firing)
            events.append(
                {AlertEvent::Kind::Cleared, *rule, uuid, it->interface, it->value, nowMs, false});
        it = device.states.erase(it);
    }
    return events;
}

void RuleEngine::setMaintenance(const QString &uuid, qint64 untilMs)
{
    m_devices[uuid].maintenanceUntil = std::max<qint64>(0, untilMs);
}

void RuleEngine::restoreFiring(
    qint64 ruleId, const QString &uuid, const QString &interface, qint64 since, double value)
{
    Device &device = m_devices[uuid];
    auto it = device.find(ruleId, interface);
    if (it == device.states.end()) {
        State state;
        state.ruleId = ruleId;
        state.interface = interface;
        device.states.push_back(std::move(state));
        it = std::prev(device.states.end());
    }
    it->firing = true;
    it->firingSince = since;
    it->value = value;
}

void RuleEngine::endFiring(qint64 ruleId, const QString &uuid, const QString &interface)
{
    const auto device = m_devices.find(uuid);
    if (device == m_devices.end())
        return;
    const auto it = device->find(ruleId, interface);
    if (it == device->states.end() || !it->firing)
        return;
    it->firing = false;
    it->pendingSince.reset();
    it->clearSince.reset();
    if (it->raises.empty())
        device->states.erase(it);
}

void RuleEngine::forget(const QString &uuid)
{
    m_devices.remove(uuid);
}

void RuleEngine::step(std::size_t ruleIndex, const QString &uuid, const QString &interface,
    bool raising, bool clearing, double value, qint64 since, qint64 nowMs,
    QList<AlertEvent> *events, Device &device)
{
    const Rule &rule = m_rules.at(qsizetype(ruleIndex));
    // The common case: not raising, and nothing to remember of this rule
    // on this device.
    if (!raising && device.states.empty())
        return;
    auto it = device.find(rule.id, interface);
    if (it == device.states.end()) {
        if (!raising)
            return;
        State state;
        state.ruleId = rule.id;
        state.interface = interface;
        device.states.push_back(std::move(state));
        it = std::prev(device.states.end());
    }
    State &state = *it;
    if (state.firing) {
        state.value = value;
        if (!clearing) {
            state.clearSince.reset();
            return;
        }
        while (!state.raises.empty() && state.raises.front() < nowMs - kFlapWindowMs)
            state.raises.pop_front();
        if (int(state.raises.size()) >= kFlapRaises) {
            if (!state.clearSince)
                state.clearSince = nowMs;
            if (nowMs - *state.clearSince < kFlapClearHoldMs)
                return;
        }
        state.clearSince.reset();
        state.firing = false;
        state.pendingSince.reset();
        events->append({AlertEvent::Kind::Cleared, rule, uuid, interface, value, nowMs});
        return;
    }
    if (!raising) {
        state.pendingSince.reset();
        if (state.raises.empty())
            device.states.erase(it);
        return;
    }
    state.value = value;
    if (!state.pendingSince)
        state.pendingSince = since;
    if (nowMs - *state.pendingSince < holdMs(rule) || device.maintenanceUntil > nowMs)
        return;
    state.firing = true;
    state.firingSince = nowMs;
    state.pendingSince.reset();
    state.raises.push_back(nowMs);
    while (!state.raises.empty() && state.raises.front() < nowMs - kFlapWindowMs)
        state.raises.pop_front();
    events->append({AlertEvent::Kind::Raised, rule, uuid, interface, value, nowMs,
        int(state.raises.size()) >= kFlapRaises});
}

std::optional<double> RuleEngine::lossPercent(
    const Device &device, qint64 windowMs, qint64 nowMs, const LossSample &end)
{
    const std::deque<LossSample> &samples = device.loss;
    if (samples.size() < 2)
        return std::nullopt;
    // The newest sample at least a window old: the window must be whole.
    const auto after = std::upper_bound(samples.cbegin(), samples.cend(), nowMs - windowMs,
        [](qint64 at, const LossSample &sample) { return at < sample.at; });
    if (after == samples.cbegin())
        return std::nullopt;
    const LossSample *start = &*std::prev(after);
    const double received = double(end.received - std::min(end.received, start->received));
    const double lost = double(end.lost - std::min(end.lost, start->lost));
    if (received + lost <= 0)
        return std::nullopt;
    return 100.0 * lost / (received + lost);
}

QList<AlertEvent> RuleEngine::observe(const AcceptedReport &accepted, qint64 nowMs)
{
    QList<AlertEvent> events;
    const QString &uuid = accepted.device.uuid;
    const dmr::Report &report = accepted.report;
    Device &device = m_devices[uuid];

    // Loss, counted by the registry per datagram. A sample a second at
    // most: a window of ten minutes is 600 of them, whatever the interval.
    const LossSample lossNow {nowMs, accepted.device.reportsReceived, accepted.device.reportsLost};
    std::deque<LossSample> &loss = device.loss;
    if (m_lossRules && (loss.empty() || nowMs - loss.back().at >= 1000)) {
        loss.push_back(lossNow);
        while (loss.size() > kLossSamplesKept
            || (loss.size() > 1 && loss.front().at < nowMs - kLossHistoryMs))
            loss.pop_front();
    }
    if (report.sequence > 0 && report.runId == device.runId && report.sequence <= device.sequence)
        return events;
    device.runId = report.runId;
    device.sequence = report.sequence;
    // Rates per interface from the agent's own clock and counters.
    struct Rate
    {
        QString interface;
        double rx;
        double tx;
    };
    std::vector<Rate> rates;
    if (m_rateRules) {
        for (const dmr::InterfaceSample &sample : report.interfaces) {
            const Counters now {report.sampleTimeMs, sample.rxBytes, sample.txBytes};
            const auto known = std::find_if(device.counters.begin(), device.counters.end(),
                [&sample](const auto &entry) { return entry.first == sample.name; });
            if (known == device.counters.end()) {
                device.counters.emplace_back(sample.name, now); // first sight
                continue;
            }
            Counters &before = known->second;
            if (now.at < before.at || now.rx < before.rx || now.tx < before.tx) {
                before = now; // a reboot reset them
                continue;
            }
            if (now.at - before.at < kMinRateWindowMs)
                continue; // the window is not long enough yet
            const double seconds = double(now.at - before.at) / 1000.0;
            rates.push_back({QString::fromStdString(sample.name),
                double(now.rx - before.rx) / seconds, double(now.tx - before.tx) / seconds});
            before = now;
        }
    }

    std::array<double, SystemFields::kCount> values {};
    if (accepted.hasSystem)
        values = SystemFields::values(report.system);
    static const QString kNoInterface;
    for (std::size_t r = 0; r < m_measures.size(); ++r) {
        const auto [measure, index] = m_measures[r];
        if (measure == Measure::Unknown || (measure == Measure::System && !accepted.hasSystem))
            continue;
        const Rule &rule = m_rules.at(qsizetype(r));
        if (!rule.applies(uuid, device.labels))
            continue;
        switch (measure) {
        case Measure::Offline:
            // A report: whatever the offline rule held is over.
            step(r, uuid, kNoInterface, false, true, 0, nowMs, nowMs, &events, device);
            break;
        case Measure::Loss:
            if (const std::optional<double> percent
                = lossPercent(device, rule.forMs, nowMs, lossNow))
                step(r, uuid, kNoInterface, rule.raises(*percent), rule.clears(*percent), *percent,
                    nowMs, nowMs, &events, device);
            break;
        case Measure::RxRate:
        case Measure::TxRate:
            for (const Rate &rate : rates) {
                const double value = measure == Measure::RxRate ? rate.rx : rate.tx;
                step(r, uuid, rate.interface, rule.raises(value), rule.clears(value), value, nowMs,
                    nowMs, &events, device);
            }
            break;
        case Measure::System: {
            const double value = values.at(std::size_t(index));
            step(r, uuid, kNoInterface, rule.raises(value), rule.clears(value), value, nowMs, nowMs,
                &events, device);
            break;
        }
        case Measure::Hardware:
            // Absent (no battery, no systemd, an older agent, sensor names
            // not known yet): the alert stays as it is.
            if (const std::optional<double> value = HardwareMetrics::value(index, report.hardware))
                step(r, uuid, kNoInterface, rule.raises(*value), rule.clears(*value), *value, nowMs,
                    nowMs, &events, device);
            break;
        case Measure::Unknown:
            break;
        }
    }
    return events;
}

QList<AlertEvent> RuleEngine::presence(const QString &uuid, qint64 offlineSince, qint64 nowMs)
{
    QList<AlertEvent> events;
    Device &device = m_devices[uuid];
    for (std::size_t r = 0; r < m_measures.size(); ++r) {
        if (m_measures[r].first != Measure::Offline
            || !m_rules.at(qsizetype(r)).applies(uuid, device.labels))
            continue;
        const double seconds = offlineSince > 0 ? double(nowMs - offlineSince) / 1000.0 : 0;
        // The rule's duration counts from the moment the device is offline.
        step(r, uuid, QString(), offlineSince > 0, offlineSince == 0, seconds, nowMs, nowMs,
            &events, device);
    }
    return events;
}

QList<AlertEvent> RuleEngine::tick(qint64 nowMs)
{
    QList<AlertEvent> events;
    for (auto device = m_devices.begin(); device != m_devices.end(); ++device) {
        // step() may erase from the states: what is due is gathered first.
        QList<std::pair<int, QString>> due;
        for (const State &state : device->states) {
            if (state.firing || !state.pendingSince)
                continue;
            const int index = indexOf(state.ruleId);
            if (index >= 0 && nowMs - *state.pendingSince >= holdMs(m_rules.at(index)))
                due.append({index, state.interface});
        }
        for (const auto &[index, interface] : std::as_const(due)) {
            const auto state = device->find(m_rules.at(index).id, interface);
            const double value = state->value;
            const qint64 since = *state->pendingSince;
            step(std::size_t(index), device.key(), interface, true, false, value, since, nowMs,
                &events, *device);
        }
    }
    return events;
}

QList<RuleEngine::Firing> RuleEngine::firing() const
{
    QList<Firing> list;
    for (auto device = m_devices.cbegin(); device != m_devices.cend(); ++device) {
        for (const State &state : device->states) {
            if (state.firing)
                list.append(
                    {state.ruleId, device.key(), state.interface, state.firingSince, state.value});
        }
    }
    return list;
}

} // namespace dmr::console
