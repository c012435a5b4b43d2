/*
 * In-process Lucene reference for `npm run bench` (issue 13). Not part of Strait: the TypeScript
 * driver (bench/lucene.ts) compiles this file against Debian's liblucene8-java jars, runs it, and
 * reads the one JSON object it prints on stdout. Progress goes to stderr.
 *
 * It indexes the bench's seeded geonames-like documents (NDJSON, one object per line with an
 * "_id" member) with the field semantics of bench/geonames-corpus.ts's geonamesMappings, as
 * Elasticsearch would map them onto Lucene: text fields analysed by StandardAnalyzer without stop
 * words (Elasticsearch's `standard` analyzer), keyword fields as indexed terms plus sorted-set doc
 * values, numbers and dates as points plus sorted-numeric doc values, `_id` indexed and stored,
 * `_source` stored. Similarity is Lucene's default BM25 (k1 1.2, b 0.75, one-byte length norms),
 * which is what Elasticsearch scores with.
 *
 * Then it times the bench's queries (a)-(e) at concurrency 1 (one thread) and concurrency N (N
 * threads sharing one IndexSearcher), each after a warm-up for the JIT: (a)-(c) once as the query
 * phase alone and once with the fetch of the 10 hits' `_id` and `_source`. It prints the top 10 of
 * (a) and (c), the terms buckets of (d) and the months of (e) so the driver can compare them with
 * Strait's.
 *
 * Usage: java -cp <lucene jars>:<classes> LuceneBench <docs.ndjson> <indexDir> <commonTerm> <rareTerm>
 *        <seconds> <warmupSeconds> <bulkThreads> <searchThreads>
 */
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexOrDocValuesQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollector;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;
import org.apache.lucene.util.Version;

public final class LuceneBench {
  /** Elasticsearch counts hits exactly up to this many by default (track_total_hits), then stops. */
  private static final int TOTAL_HITS_THRESHOLD = 10_000;
  private static final int BATCH = 1000;
  /** Threads of the first, untimed pass over all queries (enough to compile the concurrent paths too). */
  private static final int HIGH_WARMUP_THREADS = 2;

  private static volatile long blackhole;

  public static void main(String[] args) throws Exception {
    Path docsFile = Paths.get(args[0]);
    Path indexDir = Paths.get(args[1]);
    String common = args[2];
    String rare = args[3];
    double seconds = Double.parseDouble(args[4]);
    double warmupSeconds = Double.parseDouble(args[5]);
    int bulkThreads = Integer.parseInt(args[6]);
    int searchThreads = Integer.parseInt(args[7]);

    List<String> lines = Files.readAllLines(docsFile, StandardCharsets.UTF_8);
    lines.removeIf(String::isEmpty);
    StringBuilder out = new StringBuilder("{");
    out.append("\"lucene_version\":").append(quote(Version.LATEST.toString()));
    out.append(",\"java_version\":").append(quote(System.getProperty("java.version")));
    out.append(",\"docs\":").append(lines.size());

    StandardAnalyzer analyzer = new StandardAnalyzer(CharArraySet.EMPTY_SET);
    try (Directory directory = FSDirectory.open(indexDir)) {
      IndexWriterConfig config = new IndexWriterConfig(analyzer);
      config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      // Elasticsearch gives indexing buffers 10% of the heap (indices.memory.index_buffer_size).
      config.setRAMBufferSizeMB(Math.max(16.0, Runtime.getRuntime().maxMemory() / (1024.0 * 1024.0) / 10));
      IndexWriter writer = new IndexWriter(directory, config);

      // Bulk: batches of 1,000 lines taken in turn by `bulkThreads` threads, each line parsed and
      // indexed by _id (an index request with an id replaces any document with that id), then a commit.
      log("lucene: indexing " + lines.size() + " documents with " + bulkThreads + " threads");
      long indexStarted = System.nanoTime();
      AtomicInteger nextBatch = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread[] indexers = new Thread[bulkThreads];
      for (int t = 0; t < bulkThreads; t++) {
        indexers[t] = new Thread(() -> {
          try {
            for (int batch = nextBatch.getAndIncrement(); batch * BATCH < lines.size(); batch = nextBatch.getAndIncrement()) {
              int end = Math.min(lines.size(), (batch + 1) * BATCH);
              for (int i = batch * BATCH; i < end; i++) {
                String line = lines.get(i);
                Map<String, Object> source = parseFlatObject(line);
                String id = (String) source.get("_id");
                writer.updateDocument(new Term("_id", id), toDocument(id, source, line));
              }
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        indexers[t].start();
      }
      for (Thread indexer : indexers) indexer.join();
      if (failure.get() != null) throw new RuntimeException(failure.get());
      writer.commit();
      double indexSeconds = (System.nanoTime() - indexStarted) / 1e9;
      long refreshStarted = System.nanoTime();
      DirectoryReader refreshed = DirectoryReader.open(writer);
      double refreshMs = (System.nanoTime() - refreshStarted) / 1e6;
      refreshed.close();
      // Merges the flushes started still run in the background: let them finish (close waits for
      // them) so that they do not take CPU from the timed searches, then search what they left.
      long mergesStarted = System.nanoTime();
      writer.close();
      double mergeWaitMs = (System.nanoTime() - mergesStarted) / 1e6;
      DirectoryReader reader = DirectoryReader.open(directory);
      out.append(",\"indexing\":{\"docs_per_s\":").append(Math.round(lines.size() / indexSeconds));
      out.append(",\"seconds\":").append(round(indexSeconds));
      out.append(",\"threads\":").append(bulkThreads);
      out.append(",\"refresh_ms\":").append(round(refreshMs));
      out.append(",\"merge_wait_ms\":").append(round(mergeWaitMs));
      out.append(",\"ram_buffer_mb\":").append(Math.round(config.getRAMBufferSizeMB()));
      out.append(",\"segments\":").append(reader.leaves().size());
      out.append(",\"index_bytes\":").append(directorySize(indexDir)).append('}');

      IndexSearcher searcher = new IndexSearcher(reader);
      Query a = new TermQuery(new Term("description", common));
      Query b = new TermQuery(new Term("description", rare));
      Query populationAtLeast = new IndexOrDocValuesQuery(
          LongPoint.newRangeQuery("population", 10_000L, Long.MAX_VALUE),
          SortedNumericDocValuesField.newSlowRangeQuery("population", 10_000L, Long.MAX_VALUE));
      Query c = new BooleanQuery.Builder()
          .add(new TermQuery(new Term("description", common)), BooleanClause.Occur.MUST)
          .add(populationAtLeast, BooleanClause.Occur.FILTER)
          .add(new TermQuery(new Term("country_code", "AA")), BooleanClause.Occur.FILTER)
          .build();

      Map<String, Supplier<Object>> queries = new java.util.LinkedHashMap<>();
      // (a)-(c) as the query phase alone (the 10 best doc ids and scores), which is how the issue's
      // Lucene figures were taken; "queries_with_fetch" below adds loading the hits' _id and _source.
      queries.put("(a) match common term, top 10", () -> collectTopTen(searcher, a));
      queries.put("(b) match rare term, top 10", () -> collectTopTen(searcher, b));
      queries.put("(c) bool match + range + term", () -> collectTopTen(searcher, c));
      queries.put("(d) terms agg on country, size 0", () -> termsAgg(reader, "country_code", 10));
      queries.put("(e) date_histogram per month, size 0", () -> monthHistogram(reader, "modification_date"));

      // Warm the JIT on every query before timing any of them (each is warmed again just before its own run).
      log("lucene: warming up");
      for (Supplier<Object> query : queries.values()) run(HIGH_WARMUP_THREADS, warmupSeconds, query);
      run(HIGH_WARMUP_THREADS, warmupSeconds, () -> topTen(searcher, a));

      out.append(",\"queries\":{");
      boolean first = true;
      for (Map.Entry<String, Supplier<Object>> query : queries.entrySet()) {
        if (!first) out.append(',');
        first = false;
        out.append(quote(query.getKey())).append(":{");
        log("lucene: " + query.getKey() + " at concurrency 1");
        out.append("\"c1\":").append(measure(1, seconds, warmupSeconds, query.getValue()));
        log("lucene: " + query.getKey() + " at concurrency " + searchThreads);
        out.append(",\"c").append(searchThreads).append("\":").append(measure(searchThreads, seconds, warmupSeconds, query.getValue()));
        out.append('}');
      }
      out.append('}');

      // (a)-(c) as a search answers them: the query phase, then `_id` and `_source` of the 10 hits.
      Map<String, Supplier<Object>> withFetch = new java.util.LinkedHashMap<>();
      withFetch.put("(a) match common term, top 10", () -> topTen(searcher, a));
      withFetch.put("(b) match rare term, top 10", () -> topTen(searcher, b));
      withFetch.put("(c) bool match + range + term", () -> topTen(searcher, c));
      out.append(",\"queries_with_fetch\":{");
      first = true;
      for (Map.Entry<String, Supplier<Object>> query : withFetch.entrySet()) {
        if (!first) out.append(',');
        first = false;
        log("lucene: " + query.getKey() + " with fetch at concurrency 1");
        out.append(quote(query.getKey())).append(":{\"c1\":").append(measure(1, seconds, warmupSeconds, query.getValue()));
        log("lucene: " + query.getKey() + " with fetch at concurrency " + searchThreads);
        out.append(",\"c").append(searchThreads).append("\":").append(measure(searchThreads, seconds, warmupSeconds, query.getValue())).append('}');
      }
      out.append('}');

      // The top 10 of (a) and (c) as the bench runs them (ties in score go to the lower Lucene doc
      // id, i.e. indexing order), and once more with ties broken by latitude (a per-document value
      // both engines sort alike), which makes the expected answer unique.
      Sort byScoreThenLatitude = new Sort(SortField.FIELD_SCORE, new SortedNumericSortField("latitude", SortField.Type.DOUBLE));
      out.append(",\"top10\":{");
      out.append("\"a\":").append(hitsJson(searcher, topTen(searcher, a)));
      out.append(",\"c\":").append(hitsJson(searcher, topTen(searcher, c)));
      out.append(",\"a_by_score_then_latitude\":").append(hitsJson(searcher, topTenSorted(searcher, a, byScoreThenLatitude)));
      out.append(",\"c_by_score_then_latitude\":").append(hitsJson(searcher, topTenSorted(searcher, c, byScoreThenLatitude)));
      out.append('}');
      out.append(",\"totals\":{\"a\":").append(searcher.count(a)).append(",\"c\":").append(searcher.count(c)).append('}');
      out.append(",\"terms_agg\":").append(termsAggJson(termsAgg(reader, "country_code", 10)));
      StringBuilder histogram = new StringBuilder("[");
      for (Map.Entry<Long, Long> bucket : monthHistogram(reader, "modification_date").entrySet()) {
        if (histogram.length() > 1) histogram.append(',');
        histogram.append("{\"key\":").append(bucket.getKey()).append(",\"doc_count\":").append(bucket.getValue()).append('}');
      }
      out.append(",\"date_histogram\":").append(histogram).append(']');

      reader.close();
    }
    out.append(",\"peak_rss_mb\":").append(peakRssMb());
    out.append(",\"max_heap_mb\":").append(Runtime.getRuntime().maxMemory() / (1024 * 1024));
    out.append('}');
    System.out.println(out);
  }

  // ---- Documents -------------------------------------------------------------------------------

  private static Document toDocument(String id, Map<String, Object> source, String line) {
    Document doc = new Document();
    doc.add(new StringField("_id", id, Field.Store.YES));
    doc.add(new StoredField("_source", new BytesRef(line)));
    for (String text : new String[] {"name", "alternatenames", "description"}) {
      Object value = source.get(text);
      if (value != null) doc.add(new TextField(text, (String) value, Field.Store.NO));
    }
    for (String keyword : new String[] {"country_code", "feature_class"}) {
      Object value = source.get(keyword);
      if (value != null) {
        doc.add(new StringField(keyword, (String) value, Field.Store.NO));
        doc.add(new SortedSetDocValuesField(keyword, new BytesRef((String) value)));
      }
    }
    for (String longField : new String[] {"population", "modification_date"}) {
      Object value = source.get(longField);
      if (value != null) {
        long number = ((Number) value).longValue();
        doc.add(new LongPoint(longField, number));
        doc.add(new SortedNumericDocValuesField(longField, number));
      }
    }
    Object elevation = source.get("elevation");
    if (elevation != null) {
      int number = ((Number) elevation).intValue();
      doc.add(new IntPoint("elevation", number));
      doc.add(new SortedNumericDocValuesField("elevation", number));
    }
    for (String doubleField : new String[] {"latitude", "longitude"}) {
      Object value = source.get(doubleField);
      if (value != null) {
        double number = ((Number) value).doubleValue();
        doc.add(new DoublePoint(doubleField, number));
        doc.add(new SortedNumericDocValuesField(doubleField, NumericUtils.doubleToSortableLong(number)));
      }
    }
    return doc;
  }

  /**
   * Parses one JSON object whose members are strings or numbers (what the corpus holds). Numbers
   * without a fraction or exponent become Long, others Double.
   */
  static Map<String, Object> parseFlatObject(String json) {
    Map<String, Object> result = new HashMap<>();
    int[] at = {skipSpace(json, 0)};
    expect(json, at, '{');
    if (json.charAt(skipSpace(json, at[0])) == '}') return result;
    while (true) {
      at[0] = skipSpace(json, at[0]);
      String key = parseString(json, at);
      at[0] = skipSpace(json, at[0]);
      expect(json, at, ':');
      at[0] = skipSpace(json, at[0]);
      char first = json.charAt(at[0]);
      if (first == '"') {
        result.put(key, parseString(json, at));
      } else {
        int start = at[0];
        boolean integral = true;
        while (at[0] < json.length() && "+-0123456789.eE".indexOf(json.charAt(at[0])) >= 0) {
          char ch = json.charAt(at[0]);
          if (ch == '.' || ch == 'e' || ch == 'E') integral = false;
          at[0]++;
        }
        if (start == at[0]) throw new IllegalArgumentException("unsupported JSON value at " + start + ": " + json);
        String number = json.substring(start, at[0]);
        result.put(key, integral ? (Object) Long.parseLong(number) : (Object) Double.parseDouble(number));
      }
      at[0] = skipSpace(json, at[0]);
      char next = json.charAt(at[0]++);
      if (next == '}') return result;
      if (next != ',') throw new IllegalArgumentException("expected , or } at " + (at[0] - 1) + ": " + json);
    }
  }

  private static int skipSpace(String json, int at) {
    while (at < json.length() && Character.isWhitespace(json.charAt(at))) at++;
    return at;
  }

  private static void expect(String json, int[] at, char ch) {
    if (json.charAt(at[0]) != ch) throw new IllegalArgumentException("expected " + ch + " at " + at[0] + ": " + json);
    at[0]++;
  }

  private static String parseString(String json, int[] at) {
    expect(json, at, '"');
    StringBuilder text = new StringBuilder();
    while (true) {
      char ch = json.charAt(at[0]++);
      if (ch == '"') return text.toString();
      if (ch != '\\') {
        text.append(ch);
        continue;
      }
      char escaped = json.charAt(at[0]++);
      switch (escaped) {
        case 'n': text.append('\n'); break;
        case 't': text.append('\t'); break;
        case 'r': text.append('\r'); break;
        case 'b': text.append('\b'); break;
        case 'f': text.append('\f'); break;
        case 'u': text.append((char) Integer.parseInt(json.substring(at[0], at[0] + 4), 16)); at[0] += 4; break;
        default: text.append(escaped);
      }
    }
  }

  // ---- Queries ---------------------------------------------------------------------------------

  /** The query phase and the fetch of `_id` and `_source` for the 10 hits, as a search answers. */
  private static TopDocs topTen(IndexSearcher searcher, Query query) {
    try {
      TopDocs top = collectTopTen(searcher, query);
      for (ScoreDoc hit : top.scoreDocs) {
        Document stored = searcher.doc(hit.doc);
        blackhole += stored.get("_id").length() + stored.getBinaryValue("_source").length;
      }
      return top;
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  /** The query phase alone: the 10 best doc ids and scores, hits counted up to the threshold. */
  private static TopDocs collectTopTen(IndexSearcher searcher, Query query) {
    try {
      TopScoreDocCollector collector = TopScoreDocCollector.create(10, null, TOTAL_HITS_THRESHOLD);
      searcher.search(query, collector);
      return collector.topDocs();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static TopDocs topTenSorted(IndexSearcher searcher, Query query, Sort sort) {
    try {
      TopFieldCollector collector = TopFieldCollector.create(sort, 10, TOTAL_HITS_THRESHOLD);
      searcher.search(query, collector);
      return collector.topDocs();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  /** Documents per keyword value over all live documents; the `size` most frequent (ties: key order). */
  private static List<Map.Entry<String, Long>> termsAgg(DirectoryReader reader, String field, int size) {
    try {
      Map<String, Long> counts = new HashMap<>();
      for (LeafReaderContext leaf : reader.leaves()) {
        SortedSetDocValues values = DocValues.getSortedSet(leaf.reader(), field);
        long[] perOrdinal = new long[(int) values.getValueCount()];
        Bits live = leaf.reader().getLiveDocs();
        for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
          if (live != null && !live.get(doc)) continue;
          for (long ord = values.nextOrd(); ord != SortedSetDocValues.NO_MORE_ORDS; ord = values.nextOrd()) perOrdinal[(int) ord]++;
        }
        for (int ord = 0; ord < perOrdinal.length; ord++) {
          if (perOrdinal[ord] > 0) counts.merge(values.lookupOrd(ord).utf8ToString(), perOrdinal[ord], Long::sum);
        }
      }
      List<Map.Entry<String, Long>> buckets = new ArrayList<>(counts.entrySet());
      buckets.sort((x, y) -> x.getValue().equals(y.getValue()) ? x.getKey().compareTo(y.getKey()) : Long.compare(y.getValue(), x.getValue()));
      return buckets.subList(0, Math.min(size, buckets.size()));
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  /** Documents per UTC calendar month of a date field (epoch millis), keyed by the month's first millisecond. */
  private static TreeMap<Long, Long> monthHistogram(DirectoryReader reader, String field) {
    try {
      HashMap<Integer, long[]> byMonth = new HashMap<>();
      // Months since year 0 land in a flat array over a window that covers the corpus; others in the map.
      final int windowStart = 1900 * 12;
      long[] window = new long[300 * 12];
      for (LeafReaderContext leaf : reader.leaves()) {
        SortedNumericDocValues values = DocValues.getSortedNumeric(leaf.reader(), field);
        Bits live = leaf.reader().getLiveDocs();
        for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
          if (live != null && !live.get(doc)) continue;
          int previous = Integer.MIN_VALUE;
          for (int i = 0, n = values.docValueCount(); i < n; i++) {
            int month = monthOf(values.nextValue());
            if (month == previous) continue; // a document counts once per bucket
            previous = month;
            int slot = month - windowStart;
            if (slot >= 0 && slot < window.length) window[slot]++;
            else byMonth.computeIfAbsent(month, k -> new long[1])[0]++;
          }
        }
      }
      TreeMap<Long, Long> buckets = new TreeMap<>();
      for (int slot = 0; slot < window.length; slot++) if (window[slot] > 0) buckets.put(monthStartMillis(slot + windowStart), window[slot]);
      for (Map.Entry<Integer, long[]> entry : byMonth.entrySet()) buckets.put(monthStartMillis(entry.getKey()), entry.getValue()[0]);
      return buckets;
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  /** year * 12 + (month - 1) of a UTC instant, by the proleptic Gregorian calendar. */
  static int monthOf(long epochMillis) {
    long days = Math.floorDiv(epochMillis, 86_400_000L);
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a 400-year era's years.
    long shifted = days + 719_468L;
    long era = Math.floorDiv(shifted, 146_097L);
    long dayOfEra = shifted - era * 146_097L;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long marchMonth = (5 * dayOfYear + 2) / 153; // 0 = March
    long month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9; // 1..12
    long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    return (int) (year * 12 + month - 1);
  }

  static long monthStartMillis(int monthIndex) {
    return java.time.LocalDate.of(Math.floorDiv(monthIndex, 12), Math.floorMod(monthIndex, 12) + 1, 1).toEpochDay() * 86_400_000L;
  }

  // ---- Measurement -----------------------------------------------------------------------------

  /**
   * Runs `operation` on `threads` threads for `warmupSeconds` (JIT), then for `seconds`; per-call
   * latencies give p50 and p99, calls over elapsed time give QPS.
   */
  private static String measure(int threads, double seconds, double warmupSeconds, Supplier<Object> operation) throws InterruptedException {
    run(threads, warmupSeconds, operation);
    long[][] latencies = run(threads, seconds, operation);
    long elapsedNanos = latencies[threads][0];
    int total = 0;
    for (int t = 0; t < threads; t++) total += (int) latencies[t][0];
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < threads; t++) {
      int n = (int) latencies[t][0];
      System.arraycopy(latencies[t], 1, all, at, n);
      at += n;
    }
    Arrays.sort(all);
    return "{\"p50_ms\":" + round(percentile(all, 50) / 1e6) + ",\"p99_ms\":" + round(percentile(all, 99) / 1e6)
        + ",\"qps\":" + round(total / (elapsedNanos / 1e9)) + ",\"requests\":" + total + "}";
  }

  /** Per thread: [count, latency...]; the last row holds the elapsed nanoseconds. */
  private static long[][] run(int threads, double seconds, Supplier<Object> operation) throws InterruptedException {
    long[][] rows = new long[threads + 1][];
    long started = System.nanoTime();
    long deadline = started + (long) (seconds * 1e9);
    Thread[] workers = new Thread[threads];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int t = 0; t < threads; t++) {
      final int index = t;
      workers[t] = new Thread(() -> {
        long[] row = new long[1 << 16];
        int n = 0;
        try {
          long now = System.nanoTime();
          while (now < deadline) {
            Object result = operation.get();
            long end = System.nanoTime();
            if (n + 2 > row.length) row = Arrays.copyOf(row, row.length * 2);
            row[++n] = end - now;
            blackhole += result.hashCode();
            now = end;
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
        row[0] = n;
        rows[index] = row;
      });
      workers[t].start();
    }
    for (Thread worker : workers) worker.join();
    if (failure.get() != null) throw new RuntimeException(failure.get());
    rows[threads] = new long[] {System.nanoTime() - started};
    return rows;
  }

  private static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p / 100.0 * sorted.length))];
  }

  // ---- Output ----------------------------------------------------------------------------------

  private static String hitsJson(IndexSearcher searcher, TopDocs top) {
    try {
      StringBuilder json = new StringBuilder("[");
      for (int i = 0; i < top.scoreDocs.length; i++) {
        ScoreDoc hit = top.scoreDocs[i];
        if (i > 0) json.append(',');
        // With a Sort the score sits in FieldDoc.fields[0]; without one, in ScoreDoc.score.
        float score = hit instanceof org.apache.lucene.search.FieldDoc ? (Float) ((org.apache.lucene.search.FieldDoc) hit).fields[0] : hit.score;
        json.append("{\"_id\":").append(quote(searcher.doc(hit.doc).get("_id"))).append(",\"_score\":").append(score).append('}');
      }
      return json.append(']').toString();
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static String termsAggJson(List<Map.Entry<String, Long>> buckets) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < buckets.size(); i++) {
      if (i > 0) json.append(',');
      json.append("{\"key\":").append(quote(buckets.get(i).getKey())).append(",\"doc_count\":").append(buckets.get(i).getValue()).append('}');
    }
    return json.append(']').toString();
  }

  private static long peakRssMb() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no figure
    }
    return -1;
  }

  private static long directorySize(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.mapToLong(file -> file.toFile().length()).sum();
    }
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static String quote(String text) {
    StringBuilder json = new StringBuilder("\"");
    for (char ch : text.toCharArray()) {
      if (ch == '"' || ch == '\\') json.append('\\').append(ch);
      else if (ch < 0x20) json.append(String.format("\\u%04x", (int) ch));
      else json.append(ch);
    }
    return json.append('"').toString();
  }

  private static void log(String message) {
    System.err.println(message);
  }
}
