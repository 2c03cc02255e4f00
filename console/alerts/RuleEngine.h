// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/Rule.h"
#include "ingest/AcceptedReport.h"

#include <QHash>
#include <QList>
#include <algorithm>
#include <deque>
#include <optional>

namespace dmr::console {

// A rule's alert on one device (and interface) that started or ended.
struct AlertEvent
{
    enum class Kind { Raised, Cleared };

    Kind kind = Kind::Raised;
    Rule rule;
    QString uuid;
    QString interface; // rates: the interface; else empty
    double value = 0; // what crossed the threshold
    qint64 at = 0; // console clock, ms
    // Raised often lately (RuleEngine::kFlapRaises in kFlapWindowMs):
    // notifications hold it back.
    bool flapping = false;
};

// Evaluates the rules on every report and on a timer (durations, offline).
// Pure logic with times passed in, so tests drive it with any clock; lives on
// the alerting thread.
class RuleEngine
{
public:
    static constexpr int kFlapRaises = 4;
    static constexpr qint64 kFlapWindowMs = 30 * 60 * 1000;
    // A flapping alert clears only once its clear condition has held this
    // long: a value dancing about a threshold is one alert, not hundreds.
    static constexpr qint64 kFlapClearHoldMs = 5 * 60 * 1000;
    // Rates are taken over at least this long, whatever the interval: a
    // device reporting 20 times a second has counters that jump per report.
    static constexpr qint64 kMinRateWindowMs = 10000;

    // The alerts of rules that are gone or disabled end (Cleared events).
    QList<AlertEvent> setRules(const QList<Rule> &rules, qint64 nowMs);
    const QList<Rule> &rules() const { return m_rules; }
    // What a rule no longer targets under the new labels ends (Cleared
    // events): moving a board out of the lab clears the lab's alerts on it.
    QList<AlertEvent> setLabels(const QString &uuid, const Labels &labels, qint64 nowMs);
    Labels labels(const QString &uuid) const;
    // While in maintenance a device raises nothing (what fires stays).
    void setMaintenance(const QString &uuid, qint64 untilMs);
    // An alert that was firing when the console stopped, so that it clears.
    void restoreFiring(
        qint64 ruleId, const QString &uuid, const QString &interface, qint64 since, double value);
    // An alert that another console ended: it stops firing here without an
    // event, so that the next time its condition holds it is raised again.
    void endFiring(qint64 ruleId, const QString &uuid, const QString &interface);
    void forget(const QString &uuid);

    QList<AlertEvent> observe(const AcceptedReport &report, qint64 nowMs);
    // The device stopped reporting (offlineSince: its outage's start) or is
    // back (offlineSince 0).
    QList<AlertEvent> presence(const QString &uuid, qint64 offlineSince, qint64 nowMs);
    // Conditions that have now held for their rule's duration.
    QList<AlertEvent> tick(qint64 nowMs);

    struct Firing
    {
        qint64 ruleId = 0;
        QString uuid;
        QString interface;
        qint64 since = 0;
        double value = 0;
    };
    QList<Firing> firing() const;

private:
    struct State
    {
        qint64 ruleId = 0;
        QString interface; // rates: the interface; else empty
        std::optional<qint64> pendingSince; // the condition holds since
        bool firing = false;
        qint64 firingSince = 0;
        double value = 0;
        std::deque<qint64> raises; // for flapping
        std::optional<qint64> clearSince; // flapping: clear condition holds since
    };
    struct Counters
    {
        qint64 at = 0;
        quint64 rx = 0;
        quint64 tx = 0;
    };
    struct LossSample
    {
        qint64 at;
        quint64 received;
        quint64 lost;
    };

    // Everything the engine keeps of one device, so that a report costs one
    // lookup of its uuid rather than one per table and rule.
    struct Device
    {
        Labels labels;
        qint64 maintenanceUntil = 0;
        // By interface, as the agent names it: a device has a handful.
        std::vector<std::pair<std::string, Counters>> counters;
        std::deque<LossSample> loss;
        // The last report evaluated: one of the same run with a lower
        // sequence is a replay (the agent's resend after an outage) or came
        // late, and says nothing about now.
        std::uint32_t runId = 0;
        std::uint64_t sequence = 0;
        // What its rules hold pending or firing: few, so a scan of them is
        // cheaper than hashing the uuid for every rule of every report.
        std::vector<State> states;
        std::vector<State>::iterator find(qint64 ruleId, const QString &interface)
        {
            return std::find_if(states.begin(), states.end(), [&](const State &state) {
                return state.ruleId == ruleId && state.interface == interface;
            });
        }
    };
    // What a rule measures, worked out once when the rules change instead
    // of comparing metric names on every report.
    enum class Measure { Offline, Loss, RxRate, TxRate, System, Hardware, Unknown };

    void step(std::size_t ruleIndex, const QString &uuid, const QString &interface, bool raising,
        bool clearing, double value, qint64 since, qint64 nowMs, QList<AlertEvent> *events,
        Device &device);
    const Rule *ruleById(qint64 id) const;
    // Position in m_rules, or -1.
    int indexOf(qint64 ruleId) const { return m_ruleIndex.value(ruleId, -1); }
    // Over the window up to `end` (the device's counters now).
    static std::optional<double> lossPercent(
        const Device &device, qint64 windowMs, qint64 nowMs, const LossSample &end);

    QList<Rule> m_rules;
    std::vector<std::pair<Measure, int>> m_measures; // per rule; int: SystemFields index
    QHash<qint64, int> m_ruleIndex; // rule id: position in m_rules
    // Entries are made on a device's first report, label or state and
    // removed only by forget(): a reference to one lives through a report.
    QHash<QString, Device> m_devices;
    bool m_rateRules = false;
    bool m_lossRules = false;
};

} // namespace dmr::console
