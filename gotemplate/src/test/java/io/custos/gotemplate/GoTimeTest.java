package io.custos.gotemplate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's time layouts, checked against what Go prints for the same instant. */
class GoTimeTest {
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 3, 7, 14, 5, 9, 120_000_000, ZoneOffset.UTC);
    private static final ZonedDateTime EAST = ZonedDateTime.of(2026, 3, 7, 14, 5, 9, 0, ZoneOffset.ofHoursMinutes(5, 30));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', value = {
        "2006-01-02T15:04:05Z07:00#2026-03-07T14:05:09Z",
        "2006-01-02#2026-03-07",
        "Jan _2 15:04:05#Mar  7 14:05:09",
        "Mon, 02 Jan 2006 15:04:05 -0700#Sat, 07 Mar 2026 14:05:09 +0000",
        "3:04PM#2:05PM",
        "15:04:05.000#14:05:09.120",
        "15:04:05.999#14:05:09.12",
        "January 2, 2006#March 7, 2026",
        "20060102150405#20260307140509",
    })
    void formatsLikeGo(String layout, String expected) {
        assertEquals(expected, GoTime.format(T, layout));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', value = {
        "2006-01-02T15:04:05Z07:00#2026-03-07T14:05:09+05:30",
        "-0700#+0530",
        "Z0700#+0530",
    })
    void offsets(String layout, String expected) {
        assertEquals(expected, GoTime.format(EAST, layout));
    }
}
