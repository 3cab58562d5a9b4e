# Reference values for sql/scoring_telco.sql: R's glm(family = binomial) on the IBM Telco churn data.
# Run once (R is NOT needed by the test suite):  Rscript tests/reference/telco_glm.R
# The feature encoding is the one documented in docs/scoring.md ("Telco feature encoding") and
# built in SQL by sql/scoring_telco.sql; both must stay in step.
# glm's convergence is tightened (epsilon 1e-14) so that the reference is the converged optimum,
# not R's default stopping point (|dev - dev_old| / (|dev| + 0.1) < 1e-8).
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) > 0) args[1] else "data/churn/Telco-Customer-Churn.csv.gz"
d <- read.csv(gzfile(path), stringsAsFactors = FALSE, na.strings = c(" ", ""))
yes <- function(v) as.numeric(v == "Yes")
X <- data.frame(
  churn            = yes(d$Churn),
  male             = as.numeric(d$gender == "Male"),
  senior           = as.numeric(d$SeniorCitizen),
  partner          = yes(d$Partner),
  dependents       = yes(d$Dependents),
  tenure           = as.numeric(d$tenure),
  phone            = yes(d$PhoneService),
  multiple_lines   = yes(d$MultipleLines),
  fiber            = as.numeric(d$InternetService == "Fiber optic"),
  no_internet      = as.numeric(d$InternetService == "No"),
  online_security  = yes(d$OnlineSecurity),
  online_backup    = yes(d$OnlineBackup),
  device_protect   = yes(d$DeviceProtection),
  tech_support     = yes(d$TechSupport),
  streaming_tv     = yes(d$StreamingTV),
  streaming_movies = yes(d$StreamingMovies),
  one_year         = as.numeric(d$Contract == "One year"),
  two_year         = as.numeric(d$Contract == "Two year"),
  paperless        = yes(d$PaperlessBilling),
  pay_credit_card  = as.numeric(d$PaymentMethod == "Credit card (automatic)"),
  pay_electronic   = as.numeric(d$PaymentMethod == "Electronic check"),
  pay_mailed       = as.numeric(d$PaymentMethod == "Mailed check"),
  monthly_charges  = as.numeric(d$MonthlyCharges),
  total_charges    = as.numeric(d$TotalCharges)
)
fit <- glm(churn ~ ., data = X, family = binomial(),
           control = glm.control(epsilon = 1e-14, maxit = 100))
s <- summary(fit)
options(digits = 17)
cat(sprintf("n_used %d  n_skipped %d  iterations %d  converged %s\n",
            nrow(X) - length(fit$na.action), length(fit$na.action), fit$iter, fit$converged))
cat(sprintf("logLik %.17g\nnull_deviance %.17g\ndeviance %.17g\naic %.17g\n",
            as.numeric(logLik(fit)), fit$null.deviance, fit$deviance, fit$aic))
co <- s$coefficients
for (i in seq_len(nrow(co))) {
  cat(sprintf("%-17s %.17g %.17g %.17g %.17g\n", rownames(co)[i], co[i, 1], co[i, 2], co[i, 3], co[i, 4]))
}
