import java.text.DateFormatSymbols;
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.time.zone.ZoneRulesProvider;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TimeZone;

/**
 * Prints test/java/javaDateOracle.json: what Java 17's SimpleDateFormat (Locale.US) prints for
 * zone names (`z`, `zzzz`) and what it reads back from them, for one zone of every distinct set of
 * names Java has, plus the zone settings and texts of the fidelity report. The unit test
 * test/unit/javaDate.oracle.test.ts compares core/javaDate.ts with it, so it needs no Java.
 *
 * Regenerate (from the repository root):
 *   java -Duser.timezone=UTC test/java/JavaDateOracle.java > test/java/javaDateOracle.json
 */
public class JavaDateOracle {
  static final String[] PATTERNS = { "yyyy-MM-dd HH:mm:ss z", "EEE MMM dd HH:mm:ss zzzz yyyy" };
  /** Mid-January and mid-July: standard and daylight time in either hemisphere. */
  static final long[] INSTANTS = { 1705320000000L, 1721044800000L }; // 2024-01-15T12:00Z, 2024-07-15T12:00Z

  static final List<String> format = new ArrayList<>();
  static final List<String> parse = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    Set<String> zones = new LinkedHashSet<>();
    Set<String> nameSets = new LinkedHashSet<>();
    for (String[] row : DateFormatSymbols.getInstance(Locale.US).getZoneStrings()) {
      if (nameSets.add(row[1] + "|" + row[2] + "|" + row[3] + "|" + row[4])) zones.add(row[0]);
    }
    // The zones of the fidelity report, and Java's own short ids used as settings.
    for (String z : new String[] { "America/Argentina/Buenos_Aires", "Asia/Shanghai", "Europe/Dublin", "Asia/Jerusalem", "Asia/Manila",
        "Asia/Riyadh", "America/New_York", "Asia/Kolkata", "America/Sao_Paulo", "Asia/Hong_Kong", "Africa/Lagos", "Asia/Bangkok",
        "Asia/Kathmandu", "Asia/Dhaka", "MET", "GMT", "UTC", "EST", "MST", "HST", "PST", "CST", "IST", "JST", "BST", "AST", "CET" }) {
      zones.add(z);
    }
    for (String zone : zones) {
      for (long at : INSTANTS) {
        for (String pattern : PATTERNS) {
          String text = formatter(pattern, zone).format(new Date(at));
          format.add(row(pattern, zone, String.valueOf(at), text));
          // Read back in the zone itself, and with UTC configured (Java's table order decides).
          for (String configured : new String[] { zone, "UTC" }) parse.add(row(pattern, configured, text, parsed(pattern, configured, text), at));
        }
      }
    }
    // The report's texts (each meant as 2024-01-15T12:00Z or 2024-07-15T12:00Z), in their own zone and with UTC configured.
    String[][] report = {
      { "EEE MMM dd HH:mm:ss zzz yyyy", "America/Argentina/Buenos_Aires", "Mon Jan 15 09:00:00 ART 2024" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Shanghai", "2024-01-15 20:00:00 CST" },
      { "yyyy-MM-dd HH:mm:ss z", "Europe/Dublin", "2024-07-15 13:00:00 IST" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Jerusalem", "2024-01-15 14:00:00 IST" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Jerusalem", "2024-07-15 15:00:00 IDT" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Manila", "2024-01-15 20:00:00 PST" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Riyadh", "2024-01-15 15:00:00 AST" },
      { "yyyy-MM-dd HH:mm:ss zzzz", "America/New_York", "2024-07-15 08:00:00 Eastern Daylight Time" },
      { "yyyy-MM-dd HH:mm:ss z", "America/Sao_Paulo", "2024-01-15 09:00:00 BRT" },
      { "yyyy-MM-dd HH:mm:ss z", "America/Sao_Paulo", "2024-01-15 10:00:00 BRST" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Hong_Kong", "2024-01-15 20:00:00 HKT" },
      { "yyyy-MM-dd HH:mm:ss z", "Africa/Lagos", "2024-01-15 13:00:00 WAT" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Bangkok", "2024-01-15 19:00:00 ICT" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Kathmandu", "2024-01-15 17:45:00 NPT" },
      { "yyyy-MM-dd HH:mm:ss z", "Asia/Dhaka", "2024-01-15 18:00:00 BDT" },
      { "yyyy-MM-dd HH:mm:ss z", "MET", "2024-07-15 14:00:00 MEST" },
      { "yyyy-MM-dd HH:mm:ss z", "America/Chicago", "2024-07-15 07:00:00 CDT" },
      { "yyyy-MM-dd HH:mm:ss z", "America/Los_Angeles", "2024-07-15 04:00:00 PST" },
      { "yyyy-MM-dd HH:mm:ss z", "UTC", "2024-07-15 05:00:00 PDT" },
      { "yyyy-MM-dd HH:mm:ss z", "UTC", "2024-01-15 12:00:00 GMT" },
      { "yyyy-MM-dd HH:mm:ss z", "UTC", "2024-01-15 12:00:00 UTC" },
      { "yyyy-MM-dd HH:mm:ss z", "UTC", "2024-01-15 07:00:00 GMT-05:00" },
    };
    for (String[] r : report) {
      long meant = r[2].contains("-07-15") ? INSTANTS[1] : INSTANTS[0];
      for (String configured : new String[] { r[1], "UTC" }) parse.add(row(r[0], configured, r[2], parsed(r[0], configured, r[2]), meant));
    }
    String tzdb = ZoneRulesProvider.getVersions("UTC").lastEntry().getKey();
    StringBuilder out = new StringBuilder();
    out.append("{\n  \"generator\": \"test/java/JavaDateOracle.java\",\n  \"java\": \"").append(System.getProperty("java.version"))
        .append("\",\n  \"tzdb\": \"").append(tzdb).append("\",\n");
    out.append("  \"format\": [\n    ").append(String.join(",\n    ", format)).append("\n  ],\n");
    out.append("  \"parse\": [\n    ").append(String.join(",\n    ", parse)).append("\n  ]\n}\n");
    System.out.print(out);
  }

  static SimpleDateFormat formatter(String pattern, String zone) {
    SimpleDateFormat f = new SimpleDateFormat(pattern, Locale.US);
    f.setTimeZone(TimeZone.getTimeZone(zone));
    return f;
  }

  /** Epoch ms as a JSON number, or null when Java refuses the text. */
  static String parsed(String pattern, String zone, String text) {
    try {
      return String.valueOf(formatter(pattern, zone).parse(text).getTime());
    } catch (ParseException e) {
      return "null";
    }
  }

  /** [pattern, zone, instant, text] for formatting. */
  static String row(String pattern, String zone, String at, String text) {
    return "[" + quote(pattern) + ", " + quote(zone) + ", " + at + ", " + quote(text) + "]";
  }

  /** [pattern, zone, text, Java's instant or null, the instant the text stands for] for parsing. */
  static String row(String pattern, String zone, String text, String java, long meant) {
    return "[" + quote(pattern) + ", " + quote(zone) + ", " + quote(text) + ", " + java + ", " + meant + "]";
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
