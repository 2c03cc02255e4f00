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
    ++m_ruleStates[key.uuid][key.ruleId];
    return m_states.insert(key, State());
}

QHash<RuleEngine::Key, RuleEngine::State>::iterator RuleEngine::eraseState(
    QHash<Key, State>::iterator it)
{
    const auto device = m_ruleStates.find(it.key().uuid);
    if (device != m_ruleStates.end()) {
        const auto rule = device->find(it.key().ruleId);
        if (rule != device->end() && --*rule <= 0)
            device->erase(rule);
    }
    return m_states.erase(it);
}

const QHash<qint64, int> *RuleEngine::ruleStatesOf(const QString &uuid) const
{
    const auto it = m_ruleStates.constFind(uuid);
    return it == m_ruleStates.cend() ? nullptr : &*it;
}

QList<AlertEvent> RuleEngine::setRules(const QList<Rule> &rules, qint64 nowMs)
{
    m_rules = rules;
    m_metricIndex.clear();
    m_rateRules = m_lossRules = false;
    for (const Rule &rule : m_rules) {
        m_metricIndex.push_back(int(SystemFields::names().indexOf(rule.metric)));
        m_rateRules = m_rateRules || (rule.enabled && rule.isRate());
        m_lossRules = m_lossRules || (rule.enabled && rule.isLoss());
    }
    QList<AlertEvent> events;
    for (auto it = m_states.begin(); it != m_states.end();) {
        const auto rule = std::find_if(m_rules.cbegin(), m_rules.cend(),
            [&](const Rule &r) { return r.id == it.key().ruleId && r.enabled; });
        if (rule != m_rules.cend()) {
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
        it = eraseState(it);
    }
    return events;
}

QList<AlertEvent> RuleEngine::setLabels(const QString &uuid, const Labels &labels, qint64 nowMs)
{
    QList<AlertEvent> events;
    auto known = m_labels.find(uuid);
    if (known != m_labels.end() && *known == labels)
        return events;
    m_labels.insert(uuid, labels);
    const QHash<qint64, int> *states = ruleStatesOf(uuid);
    if (!states || states->isEmpty())
        return events;
    QList<qint64> outOfScope;
    for (auto it = states->cbegin(); it != states->cend(); ++it) {
        const auto rule = std::find_if(
            m_rules.cbegin(), m_rules.cend(), [&](const Rule &r) { return r.id == it.key(); });
        if (rule != m_rules.cend() && !rule->applies(uuid, labels))
            outOfScope.append(it.key());
    }
    for (auto it = m_states.begin(); !outOfScope.isEmpty() && it != m_states.end();) {
        if (it.key().uuid != uuid || !outOfScope.contains(it.key().ruleId)) {
            ++it;
            continue;
        }
        if (it->firing) {
            const auto rule = std::find_if(m_rules.cbegin(), m_rules.cend(),
                [&](const Rule &r) { return r.id == it.key().ruleId; });
            events.append({AlertEvent::Kind::Cleared, *rule, uuid, it.key().interface, it->value,
                nowMs, false});
        }
        it = eraseState(it);
    }
    return events;
}

void RuleEngine::setMaintenance(const QString &uuid, qint64 untilMs)
{
    if (untilMs > 0)
        m_maintenance.insert(uuid, untilMs);
    else
        m_maintenance.remove(uuid);
}

bool RuleEngine::inMaintenance(const QString &uuid, qint64 nowMs) const
{
    return m_maintenance.value(uuid, 0) > nowMs;
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
        it = it.key().uuid == uuid ? eraseState(it) : std::next(it);
    m_ruleStates.remove(uuid);
    m_labels.remove(uuid);
    m_maintenance.remove(uuid);
    m_counters.remove(uuid);
    m_loss.remove(uuid);
}

void RuleEngine::step(const Rule &rule, const Key &key, bool raising, bool clearing, double value,
    qint64 since, qint64 nowMs, QList<AlertEvent> *events, const QHash<qint64, int> *ruleStates)
{
    // The common case: not raising, and nothing to remember of this rule
    // on this device.
    if (!raising && (!ruleStates || !ruleStates->contains(key.ruleId)))
        return;
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
        events->append({AlertEvent::Kind::Cleared, rule, key.uuid, key.interface, value, nowMs});
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
    if (nowMs - *state.pendingSince < holdMs(rule) || inMaintenance(key.uuid, nowMs))
        return;
    state.firing = true;
    state.firingSince = nowMs;
    state.pendingSince.reset();
    state.raises.push_back(nowMs);
    while (!state.raises.empty() && state.raises.front() < nowMs - kFlapWindowMs)
        state.raises.pop_front();
    events->append({AlertEvent::Kind::Raised, rule, key.uuid, key.interface, value, nowMs,
        int(state.raises.size()) >= kFlapRaises});
}

std::optional<double> RuleEngine::lossPercent(
    const QString &uuid, qint64 windowMs, qint64 nowMs, const LossSample &end) const
{
    const auto it = m_loss.constFind(uuid);
    if (it == m_loss.cend() || it->size() < 2)
        return std::nullopt;
    const std::deque<LossSample> &samples = *it;
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

    // Loss, counted by the registry per datagram.
    std::deque<LossSample> &loss = m_loss[uuid];
    // A sample a second at most: a window of ten minutes is 600 of them,
    // whatever the device's interval.
    if (m_lossRules && (loss.empty() || nowMs - loss.back().at >= 1000)) {
        loss.push_back({nowMs, accepted.device.reportsReceived, accepted.device.reportsLost});
        while (loss.size() > kLossSamplesKept
            || (loss.size() > 1 && loss.front().at < nowMs - kLossHistoryMs))
            loss.pop_front();
    }
    // Rates per interface from the agent's own clock and counters.
    QHash<QString, std::pair<double, double>> rates;
    QHash<QString, Counters> &counters = m_counters[uuid];
    static const std::vector<dmr::InterfaceSample> kNone;
    for (const dmr::InterfaceSample &sample : m_rateRules ? report.interfaces : kNone) {
        const QString name = QString::fromStdString(sample.name);
        const Counters now {report.sampleTimeMs, sample.rxBytes, sample.txBytes};
        const auto before = counters.constFind(name);
        if (before == counters.cend() || now.at < before->at || now.rx < before->rx
            || now.tx < before->tx) {
            counters.insert(name, now); // first sight, or a reboot reset them
            continue;
        }
        if (now.at - before->at < kMinRateWindowMs)
            continue; // the window is not long enough yet
        const double seconds = double(now.at - before->at) / 1000.0;
        rates.insert(
            name, {double(now.rx - before->rx) / seconds, double(now.tx - before->tx) / seconds});
        counters.insert(name, now);
    }

    const Labels labels = m_labels.value(uuid);
    const std::array<double, SystemFields::kCount> values = SystemFields::values(report.system);
    const QHash<qint64, int> *states = ruleStatesOf(uuid);
    for (std::size_t r = 0; r < std::size_t(m_rules.size()); ++r) {
        const Rule &rule = m_rules.at(qsizetype(r));
        if (!rule.applies(uuid, labels))
            continue;
        const Key key {rule.id, uuid, QString()};
        if (rule.isOffline()) {
            // A report: whatever the offline rule held is over.
            step(rule, key, false, true, 0, nowMs, nowMs, &events, states);
        } else if (rule.isLoss()) {
            if (const std::optional<double> percent = lossPercent(uuid, rule.forMs, nowMs,
                    {nowMs, accepted.device.reportsReceived, accepted.device.reportsLost}))
                step(rule, key, rule.raises(*percent), rule.clears(*percent), *percent, nowMs,
                    nowMs, &events, states);
        } else if (rule.isRate()) {
            const bool rx = rule.metric == QLatin1String("rx_rate");
            for (auto it = rates.cbegin(); it != rates.cend(); ++it) {
                const double rate = rx ? it->first : it->second;
                step(rule, Key {rule.id, uuid, it.key()}, rule.raises(rate), rule.clears(rate),
                    rate, nowMs, nowMs, &events, states);
            }
        } else if (accepted.hasSystem) {
            const int index = m_metricIndex[r];
            if (index < 0)
                continue;
            const double value = values.at(std::size_t(index));
            step(rule, key, rule.raises(value), rule.clears(value), value, nowMs, nowMs, &events,
                states);
        }
    }
    return events;
}

QList<AlertEvent> RuleEngine::presence(const QString &uuid, qint64 offlineSince, qint64 nowMs)
{
    QList<AlertEvent> events;
    const Labels labels = m_labels.value(uuid);
    for (const Rule &rule : std::as_const(m_rules)) {
        if (!rule.isOffline() || !rule.applies(uuid, labels))
            continue;
        const double seconds = offlineSince > 0 ? double(nowMs - offlineSince) / 1000.0 : 0;
        // The rule's duration counts from the moment the device is offline.
        step(rule, Key {rule.id, uuid, QString()}, offlineSince > 0, offlineSince == 0, seconds,
            nowMs, nowMs, &events, ruleStatesOf(uuid));
    }
    return events;
}

QList<AlertEvent> RuleEngine::tick(qint64 nowMs)
{
    QList<AlertEvent> events;
    QList<std::pair<Key, const Rule *>> due;
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        if (it->firing || !it->pendingSince)
            continue;
        const auto rule = std::find_if(m_rules.cbegin(), m_rules.cend(),
            [&](const Rule &r) { return r.id == it.key().ruleId; });
        if (rule != m_rules.cend() && nowMs - *it->pendingSince >= holdMs(*rule))
            due.append({it.key(), &*rule});
    }
    for (const auto &[key, rule] : std::as_const(due)) {
        const State &state = m_states.value(key);
        step(*rule, key, true, false, state.value, *state.pendingSince, nowMs, &events,
            ruleStatesOf(key.uuid));
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
