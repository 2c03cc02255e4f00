// SPDX-License-Identifier: MIT
// CachedTextDelegate paints a cell's text where QStyledItemDelegate would:
// inside the cell, aligned as the model says, elided when too narrow, after
// the icon; and lays each distinct text out once.
#include "gui/CachedTextDelegate.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>

using namespace dmr::console;

class TestCachedTextDelegate : public QObject
{
    Q_OBJECT
private slots:
    void paintsWithinTheCell_data();
    void paintsWithinTheCell();
    void laysOutEachTextOnce();
    void keepsTextsPerFont();
};

namespace {

// The columns [first, last] holding dark (text) pixels, or {-1, -1}.
std::pair<int, int> inkColumns(const QImage &image)
{
    int first = -1, last = -1;
    for (int x = 0; x < image.width(); ++x) {
        for (int y = 0; y < image.height(); ++y) {
            if (qGray(image.pixel(x, y)) < 128) {
                if (first < 0)
                    first = x;
                last = x;
                break;
            }
        }
    }
    return {first, last};
}

QImage paintCell(CachedTextDelegate &delegate, QStandardItemModel &model, int width)
{
    QTableView view; // the delegate's widget: style and palette
    view.setModel(&model);
    QImage image(400, 24, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    QStyleOptionViewItem option;
    option.initFrom(&view);
    option.widget = &view;
    option.rect = QRect(100, 0, width, 24);
    option.decorationSize = QSize(16, 16); // as a view sets it
    option.state = QStyle::State_Enabled | QStyle::State_Active;
    option.palette.setColor(QPalette::Text, Qt::black);
    option.palette.setColor(QPalette::Base, Qt::white);
    delegate.paint(&painter, option, model.index(0, 0));
    return image;
}

} // namespace

void TestCachedTextDelegate::paintsWithinTheCell_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("alignment");
    QTest::addColumn<int>("width");
    QTest::addColumn<bool>("icon");
    QTest::newRow("left") << QStringLiteral("host-1") << int(Qt::AlignLeft | Qt::AlignVCenter)
                          << 200 << false;
    QTest::newRow("right") << QStringLiteral("45.8 %") << int(Qt::AlignRight | Qt::AlignVCenter)
                           << 200 << false;
    QTest::newRow("too narrow") << QStringLiteral("a-very-long-hostname-indeed.example.org")
                                << int(Qt::AlignLeft | Qt::AlignVCenter) << 80 << false;
    QTest::newRow("after an icon")
        << QStringLiteral("online") << int(Qt::AlignLeft | Qt::AlignVCenter) << 200 << true;
}

void TestCachedTextDelegate::paintsWithinTheCell()
{
    QFETCH(QString, text);
    QFETCH(int, alignment);
    QFETCH(int, width);
    QFETCH(bool, icon);
    QStandardItemModel model(1, 1);
    model.setData(model.index(0, 0), text);
    model.setData(model.index(0, 0), alignment, Qt::TextAlignmentRole);
    if (icon) {
        QPixmap dot(10, 10);
        dot.fill(Qt::white); // an icon with no ink: the text's ink stays measurable
        model.setData(model.index(0, 0), QIcon(dot), Qt::DecorationRole);
    }
    CachedTextDelegate delegate;
    const auto [first, last] = inkColumns(paintCell(delegate, model, width));
    QVERIFY2(first >= 100 && last < 100 + width,
        qPrintable(QStringLiteral("ink in columns %1..%2").arg(first).arg(last)));
    if (alignment & Qt::AlignRight)
        QVERIFY2(
            last > 100 + width - 10 && first > 100 + width / 2, qPrintable(QString::number(first)));
    else
        QVERIFY2(first < 100 + (icon ? 40 : 10), qPrintable(QString::number(first)));
    if (icon)
        QVERIFY2(first > 100 + 10, qPrintable(QString::number(first)));
}

void TestCachedTextDelegate::laysOutEachTextOnce()
{
    QStandardItemModel model(1, 1);
    CachedTextDelegate delegate;
    for (int round = 0; round < 3; ++round) {
        for (const char *text : {"1.0 %", "2.0 %", "1.0 %", "host"}) {
            model.setData(model.index(0, 0), QString::fromLatin1(text));
            paintCell(delegate, model, 200);
        }
    }
    QCOMPARE(delegate.cachedTexts(), 3);
}

// Bold headings between rows (the grouped device tree) do not empty the
// cache of the rows' font.
void TestCachedTextDelegate::keepsTextsPerFont()
{
    QStandardItemModel model(1, 1);
    CachedTextDelegate delegate;
    QFont bold;
    bold.setBold(true);
    for (int round = 0; round < 3; ++round) {
        for (const char *text : {"1.0 %", "rack=r1 — 3 devices", "2.0 %"}) {
            model.setData(model.index(0, 0), QString::fromUtf8(text));
            model.setData(
                model.index(0, 0), text[0] == 'r' ? QVariant(bold) : QVariant(), Qt::FontRole);
            paintCell(delegate, model, 200);
        }
    }
    QCOMPARE(delegate.cachedTexts(), 3);
}

QTEST_MAIN(TestCachedTextDelegate)
#include "tst_cachedtextdelegate.moc"
