// SPDX-License-Identifier: MIT
#include "alerts/Rule.h"

#include "store/HardwareMetrics.h"
#include "store/SystemFields.h"

#include <QJsonValue>
#include <QRegularExpression>
#include <cmath>

namespace dmr::console {

const QStringList &Rule::metrics()
{
    static const QStringList list = SystemFields::names() + HardwareMetrics::names()
        + QStringList {QStringLiteral("rx_rate"), QStringLiteral("tx_rate"),
            QStringLiteral("report_loss_percent"), QStringLiteral("offline")};
    return list;
}

QString Rule::severityName(Severity severity)
{
    return severity == Severity::Critical ? QStringLiteral("critical") : QStringLiteral("warning");
}

std::optional<Severity> Rule::severityFrom(const QString &name)
{
    if (name == QLatin1String("warning"))
        return Severity::Warning;
    if (name == QLatin1String("critical"))
        return Severity::Critical;
    return std::nullopt;
}

bool Rule::isRate() const
{
    return metric == QLatin1String("rx_rate") || metric == QLatin1String("tx_rate");
}

bool Rule::appliesTo(const QString &uuid, const Labels &deviceLabels) const
{
    if (!deviceUuid.isEmpty() && deviceUuid != uuid)
        return false;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        const auto found = deviceLabels.constFind(it.key());
        if (found == deviceLabels.cend() || *found != it.value())
            return false;
    }
    return true;
}

QJsonObject Rule::toJson() const
{
    QJsonObject selector;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        selector.insert(it.key(), it.value());
    return {{QStringLiteral("id"), double(id)}, {QStringLiteral("name"), name},
        {QStringLiteral("metric"), metric},
        {QStringLiteral("comparison"),
            comparison == Comparison::Above ? QStringLiteral(">") : QStringLiteral("<")},
        {QStringLiteral("raise"), raise}, {QStringLiteral("clear"), clear},
        {QStringLiteral("for_seconds"), double(forMs) / 1000.0},
        {QStringLiteral("severity"), severityName(severity)},
        {QStringLiteral("device"), deviceUuid.isEmpty() ? QJsonValue() : QJsonValue(deviceUuid)},
        {QStringLiteral("labels"), selector}, {QStringLiteral("enabled"), enabled}};
}

std::optional<Rule> Rule::fromJson(const QJsonObject &json, QString *error, const Rule &base)
{
    static const QStringList known = {QStringLiteral("id"), QStringLiteral("name"),
        QStringLiteral("metric"), QStringLiteral("comparison"), QStringLiteral("raise"),
        QStringLiteral("clear"), QStringLiteral("for_seconds"), QStringLiteral("severity"),
        QStringLiteral("device"), QStringLiteral("labels"), QStringLiteral("enabled")};
    for (auto it = json.constBegin(); it != json.constEnd(); ++it) {
        if (!known.contains(it.key())) {
            *error = QStringLiteral("unknown field \"%1\"").arg(it.key());
            return std::nullopt;
        }
    }
    Rule rule = base;
    const auto text = [&](const char *key, QString *out) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined())
            return true;
        if (!value.isString()) {
            *error = QStringLiteral("\"%1\" must be a string").arg(QLatin1String(key));
            return false;
        }
        *out = value.toString().trimmed();
        return true;
    };
    const auto number = [&](const char *key, double *out) {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined())
            return true;
        if (!value.isDouble() || !std::isfinite(value.toDouble())) {
            *error = QStringLiteral("\"%1\" must be a number").arg(QLatin1String(key));
            return false;
        }
        *out = value.toDouble();
        return true;
    };
    QString comparison
        = rule.comparison == Comparison::Above ? QStringLiteral(">") : QStringLiteral("<");
    QString severity = severityName(rule.severity);
    double forSeconds = double(rule.forMs) / 1000.0;
    const bool clearGiven = json.contains(QLatin1String("clear"));
    if (!text("name", &rule.name) || !text("metric", &rule.metric)
        || !text("comparison", &comparison) || !text("severity", &severity)
        || !number("raise", &rule.raise) || !number("clear", &rule.clear)
        || !number("for_seconds", &forSeconds))
        return std::nullopt;
    if (json.contains(QLatin1String("device"))) {
        const QJsonValue device = json.value(QLatin1String("device"));
        // "" would quietly mean every device.
        if (!device.isNull() && (!device.isString() || device.toString().trimmed().isEmpty())) {
            *error = QStringLiteral("\"device\" must be a device's uuid or null");
            return std::nullopt;
        }
        rule.deviceUuid = device.toString().trimmed();
    }
    if (json.contains(QLatin1String("labels"))) {
        const QJsonValue labels = json.value(QLatin1String("labels"));
        if (labels.isString()) {
            rule.labels = parseLabels(labels.toString(), error);
            if (!error->isEmpty())
                return std::nullopt;
            // The text form is a person's: empty is a mistake, not "every
            // device" ({} or null say that).
            if (rule.labels.isEmpty()) {
                *error = QStringLiteral("the label selector is empty: name=value, ...");
                return std::nullopt;
            }
        } else if (labels.isObject()) {
            rule.labels.clear();
            const QJsonObject object = labels.toObject();
            QStringList pairs;
            for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
                if (!it.value().isString()) {
                    *error = QStringLiteral("label \"%1\" must have a string value").arg(it.key());
                    return std::nullopt;
                }
                pairs << it.key() + QLatin1Char('=') + it.value().toString();
            }
            rule.labels = parseLabels(pairs.join(QLatin1Char(',')), error);
            if (!error->isEmpty())
                return std::nullopt;
        } else if (!labels.isNull()) {
            *error = QStringLiteral("\"labels\" must be an object of names and values");
            return std::nullopt;
        }
    }
    if (json.contains(QLatin1String("enabled"))) {
        if (!json.value(QLatin1String("enabled")).isBool()) {
            *error = QStringLiteral("\"enabled\" must be true or false");
            return std::nullopt;
        }
        rule.enabled = json.value(QLatin1String("enabled")).toBool();
    }
    if (rule.name.isEmpty() || rule.name.size() > 128) {
        *error = QStringLiteral("a rule needs a name of at most 128 characters");
        return std::nullopt;
    }
    if (!metrics().contains(rule.metric)) {
        *error = QStringLiteral("unknown metric \"%1\"; one of %2")
                     .arg(rule.metric, metrics().join(QStringLiteral(", ")));
        return std::nullopt;
    }
    if (comparison == QLatin1String(">")) {
        rule.comparison = Comparison::Above;
    } else if (comparison == QLatin1String("<")) {
        rule.comparison = Comparison::Below;
    } else {
        *error = QStringLiteral("\"comparison\" is \">\" or \"<\"");
        return std::nullopt;
    }
    const std::optional<Severity> parsed = severityFrom(severity);
    if (!parsed) {
        *error = QStringLiteral("\"severity\" is \"warning\" or \"critical\"");
        return std::nullopt;
    }
    rule.severity = *parsed;
    if (forSeconds < 0 || forSeconds > 30 * 86400) {
        *error = QStringLiteral("\"for_seconds\" is between 0 and 30 days");
        return std::nullopt;
    }
    rule.forMs = qint64(std::llround(forSeconds * 1000));
    if (rule.isLoss() && rule.forMs < 60000) {
        *error
            = QStringLiteral("report_loss_percent is measured over \"for_seconds\": at least 60");
        return std::nullopt;
    }
    // No hysteresis unless asked; a changed threshold keeps its clear
    // unless that is now on the wrong side.
    if (!clearGiven && json.contains(QLatin1String("raise"))
        && (base.id == 0
            || (rule.comparison == Comparison::Above ? rule.clear > rule.raise
                                                     : rule.clear < rule.raise)))
        rule.clear = rule.raise;
    if (!rule.isOffline()
        && (rule.comparison == Comparison::Above ? rule.clear > rule.raise
                                                 : rule.clear < rule.raise)) {
        *error = QStringLiteral("\"clear\" must be on the healthy side of \"raise\"");
        return std::nullopt;
    }
    return rule;
}

std::optional<Rule> Rule::fromJson(const QJsonObject &json, QString *error)
{
    return fromJson(json, error, Rule());
}

bool Rule::checkLabel(const QString &name, const QString &value, QString *error)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"));
    if (!valid.match(name).hasMatch()) {
        *error = QStringLiteral("a label's name is letters, digits, _ . - (at most 64, not"
                                " beginning with a digit, . or -), not \"%1\"")
                     .arg(name);
        return false;
    }
    if (value.size() > 253) {
        *error = QStringLiteral("label %1's value is longer than 253 characters").arg(name);
        return false;
    }
    return true;
}

Labels Rule::parseLabels(const QString &text, QString *error)
{
    Labels labels;
    error->clear();
    for (const QString &pair : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        qsizetype at = pair.indexOf(QLatin1Char('='));
        if (at < 0)
            at = pair.indexOf(QLatin1Char(':'));
        if (at < 0) {
            *error = QStringLiteral("a label is name=value, not \"%1\"").arg(pair);
            return {};
        }
        const QString key = pair.left(at).trimmed();
        const QString value = pair.mid(at + 1).trimmed();
        if (!checkLabel(key, value, error))
            return {};
        labels.insert(key, value);
    }
    return labels;
}

QString Rule::labelsText(const Labels &labels)
{
    QStringList pairs;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it)
        pairs << it.key() + QLatin1Char('=') + it.value();
    return pairs.join(QLatin1Char(','));
}

} // namespace dmr::console
