// SPDX-License-Identifier: MIT
#pragma once

#include <QFont>
#include <QHash>
#include <QStaticText>
#include <QStyledItemDelegate>

namespace dmr::console {

// Paints plain-text cells like QStyledItemDelegate, but through a cache of
// laid-out text (QStaticText). The style lays out and shapes every cell's text
// on every paint; with ten thousand devices sorted by a live column, every
// visible cell repaints four times a second, and shaping was most of the GUI
// thread's time. Numbers, hostnames and "12 s ago" repeat, so the cache hits.
// An icon is drawn left of the text; cells with a check box are left to
// QStyledItemDelegate.
class CachedTextDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;

    int cachedTexts() const { return int(m_texts.size()); }

private:
    const QStaticText &staticText(const QString &text, const QFont &font) const;

    mutable QHash<QString, QStaticText> m_texts;
    mutable QFont m_font;
};

} // namespace dmr::console
