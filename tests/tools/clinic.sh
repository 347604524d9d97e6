# clinic.sh: where a clinic folder keeps its database (stepwise-clinic(8),
# FILES), for the tests that look into it with sqlite3. Sourced by the
# test libraries and by the clinic tests that have none:
#   clinic_db DIR     the path of the database of the clinic folder DIR
clinic_db() { printf '%s/db/clinic.db\n' "$1"; }
