// SPDX-License-Identifier: MIT
#include "alerts/RuleEngine.h"

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

QHash<RuleEngine::Key, RuleEngine::State>::iterator RuleEngine::insertState(const Key &key)
{
    const int index = indexOf(key.ruleId);
    if (index >= 0) {
        std::vector<int> &counts = m_devices[key.uuid].ruleStates;
        if (counts.size() <= std::size_t(index))
            counts.resize(std::size_t(m_rules.size()), 0);
        ++counts[std::size_t(index)];
    }
    return m_states.insert(key, State());
}

QHash<RuleEngine::Key, RuleEngine::State>::iterator RuleEngine::eraseState(
    QHash<Key, State>::iterator it)
{
    const int index = indexOf(it.key().ruleId);
    const auto device = m_devices.find(it.key().uuid);
    if (index >= 0 && device != m_devices.end() && device->hasState(std::size_t(index)))
        --device->ruleStates[std::size_t(index)];
    return m_states.erase(it);
}

void RuleEngine::recountStates()
{
    for (Device &device : m_devices)
        device.ruleStates.clear();
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        const int index = indexOf(it.key().ruleId);
        if (index < 0)
            continue;
        std::vector<int> &counts = m_devices[it.key().uuid].ruleStates;
        counts.resize(std::size_t(m_rules.size()), 0);
        ++counts[std::size_t(index)];
    }
}

const Rule *RuleEngine::ruleById(qint64 id) const
{
    const auto rule = std::find_if(
        m_rules.cbegin(), m_rules.cend(), [id](const Rule &r) { return r.id == id; });
    return rule == m_rules.cend() ? nullptr : &*rule;
}

Labels RuleEngine::labels(const QString &uuid) const
{
    const auto device = m_devices.constFind(uuid);
    return device == m_devices.cend() ? Labels() : device->labels;
}

QList<AlertEvent> RuleEngine::setRules(const QList<Rule> &rules, qint64 nowMs)
{
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
        m_measures.emplace_back(measure, index);
        m_rateRules = m_rateRules || (rule.enabled && rule.isRate());
        m_lossRules = m_lossRules || (rule.enabled && rule.isLoss());
    }
    QList<AlertEvent> events;
    for (auto it = m_states.begin(); it != m_states.end();) {
        const Rule *rule = ruleById(it.key().ruleId);
        if (rule && rule->enabled) {
            ++it;
            continue;
        }
        // A rule deleted or disabled: what it fired ends now.
        if (it->firing) {
            Rule gone;
            gone.id = it.key().ruleId;
            events.append({AlertEvent::Kind::Cleared, gone, it.key().uuid, it.key().interface,
                it->value, nowMs, false});
        }
        it = m_states.erase(it);
    }
    recountStates();
    return events;
}

QList<AlertEvent> RuleEngine::setLabels(const QString &uuid, const Labels &labels, qint64 nowMs)
{
    QList<AlertEvent> events;
    Device &device = m_devices[uuid];
    if (device.labels == labels)
        return events;
    device.labels = labels;
    QList<qint64> outOfScope;
    for (std::size_t r = 0; r < device.ruleStates.size(); ++r) {
        const Rule &rule = m_rules.at(qsizetype(r));
        if (device.hasState(r) && !rule.applies(uuid, labels))
            outOfScope.append(rule.id);
    }
    for (auto it = m_states.begin(); !outOfScope.isEmpty() && it != m_states.end();) {
        if (it.key().uuid != uuid || !outOfScope.contains(it.key().ruleId)) {
            ++it;
            continue;
        }
        if (it->firing) {
            events.append({AlertEvent::Kind::Cleared, *ruleById(it.key().ruleId), uuid,
                it.key().interface, it->value, nowMs, false});
        }
        it = eraseState(it);
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
    const Key key {ruleId, uuid, interface};
    auto it = m_states.find(key);
    if (it == m_states.end())
        it = insertState(key);
    State &state = *it;
    state.firing = true;
    state.firingSince = since;
    state.value = value;
}

void RuleEngine::forget(const QString &uuid)
{
    for (auto it = m_states.begin(); it != m_states.end();)
        it = it.key().uuid == uuid ? m_states.erase(it) : std::next(it);
    m_devices.remove(uuid);
}

void RuleEngine::step(std::size_t ruleIndex, const QString &uuid, const QString &interface,
    bool raising, bool clearing, double value, qint64 since, qint64 nowMs,
    QList<AlertEvent> *events, const Device &device)
{
    // The common case: not raising, and nothing to remember of this rule
    // on this device.
    if (!raising && !device.hasState(ruleIndex))
        return;
    const Rule &rule = m_rules.at(qsizetype(ruleIndex));
    const Key key {rule.id, uuid, interface};
    auto it = m_states.find(key);
    if (it == m_states.end()) {
        if (!raising)
            return;
        it = insertState(key);
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
            eraseState(it);
        return;
    }
    state.value = value;
    if (!state.pendingSince)
        state.pendingSince = since;
    if (nowMs - *state.pendingSince < holdMs(rule) || inMaintenance(device, nowMs))
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
        case Measure::Unknown:
            break;
        }
    }
    return events;
}

QList<AlertEvent> RuleEngine::presence(const QString &uuid, qint64 offlineSince, qint64 nowMs)
{
    QList<AlertEvent> events;
    const Device &device = m_devices[uuid];
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
    QList<std::pair<Key, int>> due;
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        if (it->firing || !it->pendingSince)
            continue;
        const int index = indexOf(it.key().ruleId);
        if (index >= 0 && nowMs - *it->pendingSince >= holdMs(m_rules.at(index)))
            due.append({it.key(), index});
    }
    for (const auto &[key, index] : std::as_const(due)) {
        const auto state = m_states.constFind(key);
        const double value = state->value;
        const qint64 since = *state->pendingSince;
        step(std::size_t(index), key.uuid, key.interface, true, false, value, since, nowMs, &events,
            m_devices[key.uuid]);
    }
    return events;
}

QList<RuleEngine::Firing> RuleEngine::firing() const
{
    QList<Firing> list;
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        if (it->firing)
            list.append(
                {it.key().ruleId, it.key().uuid, it.key().interface, it->firingSince, it->value});
    }
    return list;
}

} // namespace dmr::console
