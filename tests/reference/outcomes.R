# Reference values for tests/test_outcomes.py, computed with base R's stats package (kruskal.test, cor.test).
#
#   Rscript tests/reference/outcomes.R      (from the repository root; R >= 4.2, no extra packages)
#
# The printed figures are copied into tests/test_outcomes.py, which cites this script next to each value.
# Fixture: tests/data/outcomes_fixture.csv, 14 alliances in 3 clusters (5, 5, 4) with a maturity index (ties:
# 1.5, 2.4 and 3.5 twice), KPI "on_time" (higher is better; 1 or 2 years per alliance, one missing value,
# ties among the alliance means) and KPI "accidents" (lower is better; 13 alliances, ties).
#
# epsilon squared (Tomczak & Tomczak, 2014) is H / ((n^2 - 1) / (n + 1)) = H / (n - 1), as
# rcompanion::epsilonSquared computes it; rcompanion is not installed here, so it is computed from
# kruskal.test's H with that formula.
options(digits = 15)
d <- read.csv("tests/data/outcomes_fixture.csv")
d <- d[!is.na(d$value), ]

cat("R", R.version$major, R.version$minor, "stats", format(packageVersion("stats")), "\n")

# One value per alliance and KPI, as alliance_kpis(how = ...) computes it
per_alliance <- function(how) {
  keys <- unique(d[, c("alliance_id", "kpi")])
  keys <- keys[order(keys$alliance_id, keys$kpi), ]
  out <- do.call(rbind, lapply(seq_len(nrow(keys)), function(i) {
    rows <- d[d$alliance_id == keys$alliance_id[i] & d$kpi == keys$kpi[i], ]
    value <- if (how == "mean") mean(rows$value) else rows$value[which.max(rows$year)]
    data.frame(alliance_id = keys$alliance_id[i], kpi = keys$kpi[i], value = value,
               cluster = rows$cluster[1], maturity_index = rows$maturity_index[1])
  }))
  out
}

for (how in c("mean", "latest")) {
  v <- per_alliance(how)
  for (k in c("on_time", "accidents")) {
    s <- v[v$kpi == k, ]
    n <- nrow(s)
    cat("\n#", k, "how =", how, ": n =", n, "\n")
    cat("values:", format(s$value), "\n")
    kw <- kruskal.test(value ~ factor(cluster), data = s)
    h <- unname(kw$statistic)
    cat("kruskal.test  H", h, "df", unname(kw$parameter), "p", kw$p.value, "\n")
    cat("epsilon squared H / (n - 1)", h / (n - 1), "  = H / ((n^2 - 1) / (n + 1))", h / ((n^2 - 1) / (n + 1)), "\n")
    ct <- cor.test(s$maturity_index, s$value, method = "spearman", exact = FALSE)
    cat("cor.test spearman exact = FALSE  rho", unname(ct$estimate), "p", ct$p.value, "\n")
    for (c in sort(unique(s$cluster))) {
      g <- s$value[s$cluster == c]
      q <- quantile(g, c(0.25, 0.5, 0.75), type = 7)
      cat("cluster", c, "n", length(g), "q1", q[[1]], "median", q[[2]], "q3", q[[3]], "mean", mean(g), "\n")
    }
  }
}

cat("\n# no ties: maturity 1..7 against a KPI with distinct values\n")
x <- c(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)
y <- c(2.0, 1.0, 4.0, 3.0, 7.0, 5.0, 6.0)
ct <- cor.test(x, y, method = "spearman", exact = FALSE)
cat("cor.test spearman exact = FALSE  rho", unname(ct$estimate), "p", ct$p.value, "\n")
kw <- kruskal.test(list(y[1:3], y[4:7]))
cat("kruskal.test (1:3 vs 4:7)  H", unname(kw$statistic), "p", kw$p.value, "\n")

# The KPIs of one analysis are one family: p.adjust(method = "BH") over the fixture's two KPIs, for the
# Kruskal-Wallis tests (kpi_by_cluster's p_fdr) and for the Spearman correlations (maturity_vs_kpi's p_fdr).
for (how in c("mean", "latest")) {
  v <- per_alliance(how)
  kw_p <- c(); cor_p <- c()
  for (k in c("on_time", "accidents")) {
    s <- v[v$kpi == k, ]
    kw_p[k] <- kruskal.test(value ~ factor(cluster), data = s)$p.value
    cor_p[k] <- cor.test(s$maturity_index, s$value, method = "spearman", exact = FALSE)$p.value
  }
  cat("\n# how =", how, ": p.adjust(method = \"BH\") over the KPIs on_time, accidents\n")
  cat("kruskal.test p_fdr", p.adjust(kw_p, "BH"), "\n")
  cat("cor.test spearman p_fdr", p.adjust(cor_p, "BH"), "\n")
}

cat("\n# raw p below 0.05, BH-adjusted over two KPIs above it (tests ..._raw_p_below_005_but_adjusted_above_...)\n")
kw <- c(kruskal.test(list(c(1, 2, 3, 5), c(4, 6, 7, 8)))$p.value, kruskal.test(list(c(1, 8, 3, 6), c(4, 2, 7, 5)))$p.value)
cat("kruskal.test p", kw, "  p.adjust BH", p.adjust(kw, "BH"), "\n")
x <- 1:8
sp <- c(cor.test(x, c(3, 1, 2, 6, 4, 8, 5, 7), method = "spearman", exact = FALSE)$p.value,
        cor.test(x, c(5, 2, 8, 1, 7, 3, 6, 4), method = "spearman", exact = FALSE)$p.value)
cat("cor.test spearman p", sp, "  p.adjust BH", p.adjust(sp, "BH"), "\n")
