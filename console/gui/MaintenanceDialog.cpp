// SPDX-License-Identifier: MIT
#include "gui/MaintenanceDialog.h"

#include "gui/HumanFormat.h"

#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTime>
#include <QVBoxLayout>

namespace dmr::console {

namespace {

QString localTime(const QDateTime &time)
{
    return QLocale().toString(time.toLocalTime(), QLocale::ShortFormat);
}

} // namespace

MaintenanceDialog::MaintenanceDialog(
    ConsoleService *service, const QString &uuid, const QString &description, QWidget *parent)
    : QDialog(parent)
    , m_client(service)
    , m_uuid(uuid)
    , m_description(description)
    , m_state(new QLabel(tr("Reading the device's presence…"), this))
    , m_until(new QDateTimeEdit(this))
    , m_status(new QLabel(this))
    , m_set(new QPushButton(tr("&Set maintenance"), this))
    , m_end(new QPushButton(tr("&End maintenance now"), this))
{
    setWindowTitle(tr("Maintenance"));
    auto *intro = new QLabel(tr("While %1 is in maintenance it raises no new alert; what already "
                                "fires stays until it clears, and its outages are still "
                                "recorded.")
                                 .arg(description),
        this);
    intro->setWordWrap(true);
    m_state->setObjectName(QStringLiteral("state"));
    m_state->setWordWrap(true);
    // Two hours from now, on the minute: a usual window of work.
    QDateTime until = QDateTime::currentDateTime().addSecs(2 * 3600);
    until.setTime(QTime(until.time().hour(), until.time().minute()));
    m_until->setDateTime(until);
    m_until->setCalendarPopup(true);
    m_until->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    m_status->setStyleSheet(QStringLiteral("QLabel { color: #c0392b; }"));
    m_end->setEnabled(false);
    m_set->setDefault(true);
    connect(m_set, &QPushButton::clicked, this, &MaintenanceDialog::start);
    connect(m_end, &QPushButton::clicked, this, &MaintenanceDialog::end);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_set, QDialogButtonBox::ActionRole);
    buttons->addButton(m_end, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *form = new QFormLayout;
    form->addRow(tr("Now:"), m_state);
    form->addRow(tr("&Until:"), m_until);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    m_client.get({QStringLiteral("devices"), uuid, QStringLiteral("presence")}, this,
        [this](const AlertClient::Answer &answer) {
            if (!answer.ok()) {
                m_state->setText(tr("unknown"));
                showError(tr("Cannot read the device's presence: %1").arg(answer.error));
                emit answered();
                return;
            }
            const QDateTime until = QDateTime::fromString(
                answer.json[QLatin1String("maintenance_until")].toString(), Qt::ISODateWithMs);
            if (until.isValid()) {
                m_state->setText(tr("in maintenance until %1").arg(localTime(until)));
                m_until->setDateTime(until.toLocalTime());
                m_end->setEnabled(true);
            } else {
                m_state->setText(tr("not in maintenance (%1)")
                                     .arg(answer.json[QLatin1String("state")].toString()));
            }
            emit answered();
        });
}

void MaintenanceDialog::start()
{
    const QDateTime until = m_until->dateTime();
    if (until <= QDateTime::currentDateTime())
        return showError(tr("Pick a time in the future, or end the maintenance now."));
    put({{QStringLiteral("until"), HumanFormat::isoUtc(until.toMSecsSinceEpoch())}});
}

void MaintenanceDialog::end()
{
    put({{QStringLiteral("minutes"), 0}});
}

void MaintenanceDialog::put(const QJsonObject &body)
{
    m_set->setEnabled(false);
    m_end->setEnabled(false);
    m_status->clear();
    m_client.send(QByteArrayLiteral("PUT"),
        {QStringLiteral("devices"), m_uuid, QStringLiteral("maintenance")}, body, this,
        [this](const AlertClient::Answer &answer) {
            m_set->setEnabled(true);
            if (!answer.ok()) {
                m_end->setEnabled(true);
                showError(tr("Not changed: %1").arg(answer.error));
                emit answered();
                return;
            }
            const QDateTime until = QDateTime::fromString(
                answer.json[QLatin1String("maintenance_until")].toString(), Qt::ISODateWithMs);
            emit changed(until.isValid()
                    ? tr("%1 is in maintenance until %2").arg(m_description, localTime(until))
                    : tr("The maintenance of %1 ended").arg(m_description));
            emit answered();
            accept();
        });
}

void MaintenanceDialog::showError(const QString &text)
{
    m_status->setText(text);
}

} // namespace dmr::console
