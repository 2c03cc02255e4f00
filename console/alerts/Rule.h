// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <optional>

namespace dmr::console {

// A device's labels, name to value (agent's --label, or set by a person).
using Labels = QMap<QString, QString>;

enum class Severity { Warning, Critical };

// One alert rule: a metric compared with a threshold that must hold for a
// while, with a lower (or higher) threshold to clear, for all devices, one,
// or those whose labels match.
struct Rule
{
    enum class Comparison { Above, Below }; // ">" and "<"

    qint64 id = 0;
    QString name;
    // A system field (SystemFields::names()), a hardware one
    // (HardwareMetrics::names(), from agents 0.2.0 on), "rx_rate" or "tx_rate"
    // (bytes/s of each interface), "report_loss_percent" (datagrams lost of
    // those sent over the rule's duration) or "offline".
    QString metric;
    Comparison comparison = Comparison::Above;
    double raise = 0;
    // Where a firing alert clears: at or below it for Above, at or above it
    // for Below. Hysteresis: a value wavering about `raise` does not flap.
    double clear = 0;
    qint64 forMs = 0; // how long the condition must hold before it fires
    Severity severity = Severity::Warning;
    QString deviceUuid; // empty: every device
    Labels labels; // every one must match; empty: no condition
    bool enabled = true;

    static const QStringList &metrics();
    static QString severityName(Severity severity);
    static std::optional<Severity> severityFrom(const QString &name);

    bool isOffline() const { return metric == QLatin1String("offline"); }
    bool isRate() const;
    bool isLoss() const { return metric == QLatin1String("report_loss_percent"); }
    // Inline: the rule engine asks these of every rule on every report.
    bool applies(const QString &uuid, const Labels &deviceLabels) const
    {
        if (!enabled)
            return false;
        if (deviceUuid.isEmpty() && labels.isEmpty())
            return true;
        return appliesTo(uuid, deviceLabels);
    }
    // Whether `value` is past the raise threshold, or back past the clear one.
    bool raises(double value) const
    {
        return comparison == Comparison::Above ? value > raise : value < raise;
    }
    bool clears(double value) const
    {
        return comparison == Comparison::Above ? value <= clear : value >= clear;
    }

    QJsonObject toJson() const;
    // From the REST API's JSON; on error nullopt and a sentence. `base`
    // supplies what a PUT leaves out.
    static std::optional<Rule> fromJson(const QJsonObject &json, QString *error, const Rule &base);
    static std::optional<Rule> fromJson(const QJsonObject &json, QString *error);
    // "location=lab,role=gateway" both ways (the label selector's text form,
    // also the `labels` column and ?label= of the REST API).
    static Labels parseLabels(const QString &text, QString *error);
    // One label's name and value, as a person or the REST API gives them.
    static bool checkLabel(const QString &name, const QString &value, QString *error);
    static QString labelsText(const Labels &labels);

private:
    bool appliesTo(const QString &uuid, const Labels &deviceLabels) const;
};

} // namespace dmr::console
