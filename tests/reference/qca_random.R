# Reference values for tests/test_qca_random.py: R QCA's truth tables and conservative, parsimonious and
# intermediate solutions (every model, with consistency, PRI and coverage) on random data sets made up here.
#
# Rerun (from the repository root, with R, QCA 3.25.1 and jsonlite installed, e.g. by
# ../shared/oracles/install-r-oracles.sh):
#
#     Rscript tests/reference/qca_random.R tests/data/qca/random_solutions.json
#
# The data sets are drawn here with set.seed(), so the fixture is the same on every run with the same R and
# QCA versions; the JSON holds each data set's memberships with the results, and the Python test reads both.
#
# What the data sets cover (each is drawn from a seed, the kind chosen in `plan` below):
# - 3 to 6 conditions, 12 to 60 cases, fuzzy memberships (two decimals, never exactly 0.5), an outcome built
#   from a random sum of products of the conditions plus noise, so that some rows are consistent and many
#   corners are remainders;
# - crisp data sets with contradictory rows (cases with and without the outcome in one row);
# - data sets where every corner is observed (no remainder at all);
# - frequency cut-offs of 2 (rows with one case become remainders) and PRI cut-offs;
# - directional expectations that mix present (1), absent (0) and don't care ("-"), all present, all
#   absent, and all don't care;
# - outcomes negated ("~Y");
# - three small crisp data sets made by hand (`handmade` below): a cyclic prime implicant chart without
#   remainders (two models), one positive row whose two parsimonious models give two intermediate pairs, and
#   every corner positive (nothing left to minimise).
# A step that R refuses (no positive row; every condition minimised away) is recorded with R's message.
#
# It takes about a quarter of an hour: a few data sets have dozens of pairs of conservative and parsimonious
# models, and R derives and measures each pair's intermediate solution.

suppressPackageStartupMessages({
    library(QCA)
    library(jsonlite)
})
stopifnot(as.character(packageVersion("QCA")) == "3.25.1")

args <- commandArgs(trailingOnly = TRUE)
out_file <- if (length(args) > 0) args[1] else "tests/data/qca/random_solutions.json"

letters_used <- c("A", "B", "C", "D", "E", "F")

# memberships with two decimals, moved off 0.5 (a case at 0.5 belongs to no truth-table row)
fuzz <- function(x) {
    x <- round(x, 2)
    x[x == 0.5] <- ifelse(runif(sum(x == 0.5)) < 0.5, 0.49, 0.51)
    x
}

draw_fuzzy <- function(k, n) {
    conds <- letters_used[seq_len(k)]
    # a shared factor makes conditions correlated, so fewer corners are observed (limited diversity)
    shared <- rnorm(n)
    rho <- runif(1, 0, 0.7)
    X <- sapply(seq_len(k), function(j) fuzz(plogis(1.8 * (rho * shared + sqrt(1 - rho^2) * rnorm(n)))))
    colnames(X) <- conds
    # outcome: a random sum of one to three products of one to three literals, with noise
    nterms <- sample(1:3, 1)
    y <- rep(0, n)
    for (t in seq_len(nterms)) {
        used <- sample(seq_len(k), sample(1:min(3, k), 1))
        m <- rep(1, n)
        for (j in used) {
            m <- pmin(m, if (runif(1) < 0.7) X[, j] else 1 - X[, j])
        }
        y <- pmax(y, m)
    }
    y <- fuzz(pmin(0.99, pmax(0.01, y + rnorm(n, 0, runif(1, 0.05, 0.2)))))
    data.frame(X, Y = y)
}

draw_crisp <- function(k, n, full = FALSE) {
    conds <- letters_used[seq_len(k)]
    if (full) {
        # every corner observed at least once: no remainder
        base <- as.matrix(expand.grid(rep(list(0:1), k)))[, k:1, drop = FALSE]
        extra <- matrix(rbinom((n - nrow(base)) * k, 1, 0.5), ncol = k)
        X <- rbind(base, extra)
    } else {
        X <- matrix(rbinom(n * k, 1, 0.5), ncol = k)
    }
    colnames(X) <- conds
    rule <- sample(seq_len(k), min(2, k))
    y <- as.integer(rowSums(X[, rule, drop = FALSE]) == length(rule) | X[, k] == 0 & X[, 1] == 1)
    flip <- runif(nrow(X)) < 0.12  # contradictions: cases of one row on both sides of the outcome
    y[flip] <- 1L - y[flip]
    data.frame(X, Y = y, row.names = NULL)
}

draw_dir_exp <- function(k, mode) {
    switch(mode,
        mixed = sample(c("1", "0", "-"), k, replace = TRUE, prob = c(0.5, 0.25, 0.25)),
        present = rep("1", k),
        absent = rep("0", k),
        dontcare = rep("-", k)
    )
}

# R's dir.exp as text: "A, ~B" names the conditions with an expectation; an all don't care expectation is
# given the older way, one "-" per condition (R then returns the conservative model of each pair)
dir_exp_arg <- function(de, conds) {
    if (all(de == "-")) return(rep("-", length(conds)))
    parts <- ifelse(de == "1", conds, ifelse(de == "0", paste0("~", conds), NA))
    paste(parts[!is.na(parts)], collapse = ", ")
}

# consistency, PRI and coverage of a model, and of each of its terms (raw and unique coverage), by pof()
fit_model <- function(terms, outcome_name, data) {
    # do.call hands pof() the outcome's value: pof() reads it unevaluated, and a variable holding "~Y" would be
    # read as the outcome Y, not its negation
    ic <- do.call(pof, list(paste(terms, collapse = " + "), outcome = outcome_name, data = data,
                            relation = "sufficiency"))$incl.cov
    # pof() adds a row "expression" for the union when there are several terms
    whole <- if (length(terms) > 1) ic["expression", ] else ic[terms, ]
    list(
        terms = I(terms),
        consistency = unname(whole[["inclS"]]),
        pri = unname(whole[["PRI"]]),
        coverage = unname(whole[["covS"]]),
        term_consistency = I(unname(ic[terms, "inclS"])),
        term_pri = I(unname(ic[terms, "PRI"])),
        term_raw_coverage = I(unname(ic[terms, "covS"])),
        # one term alone: pof() leaves its unique coverage empty; it is the whole coverage
        term_unique_coverage = I(if (length(terms) > 1) unname(ic[terms, "covU"]) else unname(ic[terms, "covS"]))
    )
}

# R's own refusal (no positive row; every condition minimised away) is a result, recorded with R's message
attempt <- function(expr) {
    tryCatch(expr, error = function(e) list(error = trimws(gsub("\\s+", " ", conditionMessage(e)))))
}

# the models of a minimize() result; its own figures for the first model check fit_model()
solved <- function(s, outcome_name, data) {
    ic <- if (is.null(s$IC$individual)) s$IC else s$IC$individual[[1]]
    own <- unname(unlist(ic$sol.incl.cov[1, c("inclS", "PRI", "covS")]))
    fit <- fit_model(s$solution[[1]], outcome_name, data)
    stopifnot(isTRUE(all.equal(own, c(fit$consistency, fit$pri, fit$coverage))))
    list(models = lapply(s$solution, I))
}

# R's truth table and three solutions of one data set. Nothing here is a global variable: admisc::simplify(),
# which minimize() calls to read dir.exp, fails with "object 'sols' not found" when a global named `outcome`
# exists.
analyse <- function(id, kind, seed, data, conds, de, out_name, incl_cut, pri_cut, n_cut) {
    tt <- truthTable(data, outcome = out_name, conditions = conds, incl.cut = incl_cut, pri.cut = pri_cut,
                     n.cut = n_cut)
    ttab <- tt$tt[tt$tt$n > 0, , drop = FALSE]  # the observed rows (R keeps the remainders too)
    table <- list(
        row = I(unname(apply(ttab[, conds, drop = FALSE], 1, paste, collapse = ""))),
        out = I(as.character(ttab$OUT)),
        n = I(unname(ttab$n)),
        consistency = I(unname(suppressWarnings(as.numeric(ttab$incl)))),
        pri = I(unname(suppressWarnings(as.numeric(ttab$PRI))))
    )
    # the check in solved() runs outside attempt(): a failed check stops the script rather than being recorded
    conservative <- attempt(minimize(tt))
    if (is.null(conservative$error)) conservative <- solved(conservative, out_name, data)
    parsimonious <- attempt(minimize(tt, include = "?"))
    if (is.null(parsimonious$error)) parsimonious <- solved(parsimonious, out_name, data)
    intermediate <- attempt({
        # do.call hands minimize() the value: it reads dir.exp unevaluated (substitute), so a call such as
        # dir_exp_arg(de, conds) written in its place would not be evaluated as meant
        s <- do.call(minimize, list(tt, include = "?", dir.exp = dir_exp_arg(de, conds)))
        list(pairs = lapply(names(s$i.sol), function(p) {
            is <- s$i.sol[[p]]
            # with every expectation "don't care" R keeps the conservative model of the pair, but stores it as
            # a character vector of terms rather than a list of models (and prints each term as a model M1,
            # M2, ...): it is one model
            models <- if (is.list(is$solution)) is$solution else list(is$solution)
            list(name = p, models = lapply(models, I),
                 easy_counterfactuals = I(if (nrow(is$EC) > 0) apply(is$EC, 1, paste, collapse = "") else character(0)))
        }))
    })
    # every distinct model, measured once (many pairs share their models)
    models <- c(conservative$models, parsimonious$models, unlist(lapply(intermediate$pairs, `[[`, "models"),
                                                                 recursive = FALSE))
    models <- unique(lapply(models, as.character))
    fits <- lapply(models, fit_model, out_name, data)
    list(
        id = id, kind = kind, seed = seed, conditions = I(conds), outcome = out_name,
        incl_cut = incl_cut, pri_cut = pri_cut, n_cut = n_cut, directional = as.list(setNames(de, conds)),
        dir_exp = dir_exp_arg(de, conds),
        data = c(list(case = I(rownames(data))), lapply(as.list(data), I)),
        truth_table = table,
        conservative = conservative, parsimonious = parsimonious, intermediate = intermediate,
        fits = fits
    )
}

random_set <- function(i, kind) {
    seed <- 1000 + i
    set.seed(seed)
    k <- if (kind == "fuzzy_no_remainder") 3 else sample(3:6, 1)
    n <- if (kind == "crisp_full") sample(max(12, 2^k + 4):60, 1) else sample(12:60, 1)
    if (kind == "crisp_full" && 2^k > 56) k <- 5
    data <- switch(kind,
        fuzzy = draw_fuzzy(k, n),
        fuzzy_fixed_cut = draw_fuzzy(k, n),
        crisp = draw_crisp(k, n),
        crisp_full = draw_crisp(k, n, full = TRUE),
        fuzzy_no_remainder = {
            # many cases over 3 conditions, drawn until every corner is observed
            repeat {
                d <- draw_fuzzy(k, 60)
                if (nrow(unique(d[, 1:k] > 0.5)) == 2^k) break
            }
            d
        })
    conds <- letters_used[seq_len(k)]
    rownames(data) <- sprintf("c%02d", seq_len(nrow(data)))
    mode <- sample(c("mixed", "mixed", "mixed", "present", "absent", "dontcare"), 1,
                   prob = c(0.25, 0.25, 0.2, 0.15, 0.08, 0.07))
    de <- draw_dir_exp(k, mode)
    out_name <- if (runif(1) < 0.12) "~Y" else "Y"
    pri_cut <- sample(c(0, 0, 0.5, 0.51), 1)
    n_cut <- sample(c(1, 1, 1, 2), 1)
    if (kind %in% c("crisp_full", "fuzzy_no_remainder")) n_cut <- 1
    if (kind == "fuzzy") {
        # a cut-off among the rows' own consistencies, so that most data sets have positive and negative rows
        # to minimise (a fixed cut-off often leaves none of one kind); a row below the frequency cut-off shows
        # its consistency as "-"
        incl <- truthTable(data, outcome = out_name, conditions = conds, n.cut = n_cut)$tt$incl
        incl <- suppressWarnings(as.numeric(incl))
        incl <- incl[!is.na(incl)]
        at <- runif(1, 0.3, 0.8)
        incl_cut <- if (length(incl)) round(min(0.95, max(0.6, quantile(incl, at, names = FALSE))), 2) else 0.8
    } else {
        incl_cut <- sample(c(0.75, 0.8, 0.85, 0.9, 1), 1)
    }
    analyse(sprintf("set%02d", i), kind, seed, data, conds, de, out_name, incl_cut, pri_cut, n_cut)
}

# crisp data sets given by their positive (on) and negative (off) corners, one case each
handmade <- list(
    list(id = "cyclic", on = c("000", "001", "010", "101", "110", "111"), off = c("011", "100"),
         de = c("1", "1", "1")),
    list(id = "two_parsimonious", on = "011", off = c("010", "101"), de = c("1", "1", "1")),
    list(id = "all_positive", on = c("00", "01", "10", "11"), off = character(0), de = c("1", "0"))
)
handmade_set <- function(h) {
    rows <- c(h$on, h$off)
    k <- nchar(rows[1])
    conds <- letters_used[seq_len(k)]
    data <- as.data.frame(t(sapply(strsplit(rows, ""), as.integer)))
    colnames(data) <- conds
    data$Y <- rep(c(1L, 0L), c(length(h$on), length(h$off)))
    rownames(data) <- paste0("case", rows)
    analyse(h$id, "handmade", NA, data, conds, h$de, "Y", 1, 0, 1)
}

plan <- c(rep("fuzzy", 60), rep("fuzzy_fixed_cut", 6), rep("crisp", 8), rep("crisp_full", 4),
          rep("fuzzy_no_remainder", 2))
timed <- function(f, ...) {
    started <- Sys.time()
    result <- f(...)
    message(sprintf("%s (%s): %.1f s", result$id, result$kind, as.numeric(Sys.time() - started, units = "secs")))
    result
}
sets <- c(lapply(seq_along(plan), function(i) timed(random_set, i, plan[i])),
          lapply(handmade, function(h) timed(handmade_set, h)))

out <- list(
    generated_by = "tests/reference/qca_random.R",
    r_version = R.version.string,
    qca_version = as.character(packageVersion("QCA")),
    sets = sets
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE, null = "null", na = "null"), out_file)
message("wrote ", length(sets), " data sets to ", out_file)
