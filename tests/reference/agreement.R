# Reference values for tests/test_agreement.py, computed with R's multilevel and psych packages.
#
#   Rscript tests/reference/agreement.R      (from the repository root; R >= 4.2, multilevel 2.7, psych 2.2.9)
#
# The printed figures are copied into tests/test_agreement.py, which cites this script next to each value.
suppressPackageStartupMessages({library(multilevel); library(psych)})
options(digits = 15)
d <- read.csv("tests/data/agreement_groups.csv")
items <- c("i1", "i2", "i3", "i4")

cat("R", R.version$major, R.version$minor, "multilevel", format(packageVersion("multilevel")),
    "psych", format(packageVersion("psych")), "\n")

cat("\n# rwg(i1, group, ranvar = 2): 5-point scale, (5^2 - 1) / 12 = 2\n")
print(rwg(d$i1, d$group, ranvar = 2))

cat("\n# rwg.j(items, group, ranvar = 2): rows with any missing item are dropped, as multilevel does\n")
print(rwg.j(d[, items], d$group, ranvar = 2))

cat("\n# ICC1 / ICC2 of i1 (unbalanced groups; aov drops the missing answer)\n")
m <- aov(i1 ~ as.factor(group), data = d)
cat("ICC1", ICC1(m), "ICC2", ICC2(m), "\n")

cat("\n# ICC1 / ICC2 of the respondent mean over the answered items\n")
d$pmean <- rowMeans(d[, items], na.rm = TRUE)
m <- aov(pmean ~ as.factor(group), data = d)
cat("ICC1", ICC1(m), "ICC2", ICC2(m), "\n")

cat("\n# psych::alpha, pairwise (its default) and complete cases\n")
cat("raw_alpha pairwise", alpha(d[, items], warnings = FALSE)$total$raw_alpha, "\n")
cat("raw_alpha complete", alpha(d[, items], use = "complete.obs", warnings = FALSE)$total$raw_alpha, "\n")

cat("\n# Shrout & Fleiss (1979), Table 2: six targets rated by four judges; ICC1/ICC2 are ICC(1,1)/ICC(1,4)\n")
sf <- matrix(c(9, 2, 5, 8,  6, 1, 3, 2,  8, 4, 6, 8,  7, 1, 2, 6,  10, 5, 6, 9,  6, 2, 4, 7), ncol = 4, byrow = TRUE)
long <- data.frame(target = factor(rep(1:6, each = 4)), rating = as.vector(t(sf)))
m <- aov(rating ~ target, data = long)
cat("ICC1", ICC1(m), "ICC2", ICC2(m), "\n")
