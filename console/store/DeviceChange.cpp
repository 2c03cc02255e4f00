// SPDX-License-Identifier: MIT
#include "store/DeviceChange.h"

#include <QList>

namespace dmr::console {

std::optional<QString> DeviceChange::checkDisplayName(const QString &text, QString *error)
{
    const QString name = text.trimmed();
    // Characters as PostgreSQL's VARCHAR counts them: code points, not UTF-16 units.
    const qsizetype length = name.toUcs4().size();
    if (length > kMaxDisplayNameLength) {
        *error = QStringLiteral("display_name must be at most %1 characters, not %2")
                     .arg(kMaxDisplayNameLength)
                     .arg(length);
        return std::nullopt;
    }
    for (const QChar c : name) {
        if (c.category() == QChar::Other_Control) {
            *error = QStringLiteral("display_name must not contain control characters (U+%1)")
                         .arg(QString::number(c.unicode(), 16).toUpper(), 4, QLatin1Char('0'));
            return std::nullopt;
        }
    }
    // Empty, not null: a null QString is bound as SQL NULL, and the column is NOT NULL.
    return name.isNull() ? QString(QLatin1String("")) : name;
}

} // namespace dmr::console
