#!/usr/bin/env python3
"""Regenerates stdnum_ric.tsv and stdnum_uscc.tsv: sample numbers with
python-stdnum's verdict, so the Rust tests compare `domain::resident_id` and
`domain::credit_code` with an independent implementation without needing
Python at test time.

Usage (python-stdnum is imported from the wheel itself; nothing is installed):

    pip download python-stdnum==2.2 --no-deps -d /tmp/stdnum
    python3 src/domain/data/stdnum_fixture.py /tmp/stdnum/python_stdnum-2.2-py3-none-any.whl src/domain/data

Columns of stdnum_ric.tsv: number, verdict, known.
  verdict: ok | checksum | date | place -- what stdnum.cn.ric.validate says
           (stdnum checks the checksum first, then the date, then the place,
           and refuses a place whose code was not in force in the birth year);
  known:   1 if stdnum's table has the address code at all (any year), else 0.
Columns of stdnum_uscc.tsv: input, verdict, check.
  verdict: ok | checksum | format | length -- what stdnum.cn.uscc.validate says
           (stdnum 2.2 does not check positions 1 and 2 against the code tables,
           and wants digits in positions 1-8, so it refuses A/N/Y authorities);
  check:   1 if the 18th character is the GB 32100 check character of the
           first 17 (stdnum's calc_check_digit), else 0.
The sample is random but seeded, so the output is reproducible.
"""

import datetime
import os
import random
import sys


def verdict(validate, number, exceptions):
    try:
        validate(number)
        return 'ok'
    except exceptions.InvalidChecksum:
        return 'checksum'
    except exceptions.InvalidLength:
        return 'length'
    except exceptions.InvalidFormat:
        return 'format'


def main(wheel, out):
    sys.path.insert(0, wheel)
    from stdnum import exceptions, numdb
    from stdnum.cn import ric, uscc

    rng = random.Random(20150915)
    loc = numdb.get('cn/loc')
    # numdb entries are (length, low, high, properties, children); in
    # cn/loc every range is a single code (low == high).
    known_codes = sorted(
        province[1] + county[1]
        for province in loc.prefixes
        for county in province[4]
    )

    def known(code):
        return any(props.get('county') for _, props in loc.info(code))

    rows = []
    first = datetime.date(1900, 1, 1).toordinal()
    last = datetime.date(2024, 12, 31).toordinal()
    for _ in range(300):
        if rng.random() < 0.7:
            code = rng.choice(known_codes)
        else:
            code = '%06d' % rng.randrange(1000000)
        if rng.random() < 0.1:
            birth = '%04d%02d%02d' % (rng.randrange(1900, 2025), rng.choice([2, 4, 13]), 31)
        else:
            birth = datetime.date.fromordinal(rng.randrange(first, last + 1)).strftime('%Y%m%d')
        body = code + birth + '%03d' % rng.randrange(1000)
        check = ric.calc_check_digit(body + '0')
        if rng.random() < 0.2:
            check = rng.choice([c for c in '0123456789X' if c != check])
        number = body + check
        try:
            ric.validate(number)
            v = 'ok'
        except exceptions.InvalidChecksum:
            v = 'checksum'
        except exceptions.InvalidComponent:
            try:
                ric.get_birth_date(number)
                v = 'place'
            except exceptions.InvalidComponent:
                v = 'date'
        except KeyError:
            # stdnum 2.2 raises KeyError('county') instead of InvalidComponent
            # when the province exists but the county code does not.
            v = 'place'
        rows.append('%s\t%s\t%d' % (number, v, known(code)))
    with open(os.path.join(out, 'stdnum_ric.tsv'), 'w') as f:
        f.write('# number\tverdict\tknown -- see stdnum_fixture.py\n')
        f.write('\n'.join(rows) + '\n')

    alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
    rows = []
    for _ in range(300):
        body = (rng.choice('123456789ANY0BC') + rng.choice('1234569Y0')
                + '%06d' % rng.randrange(1000000)
                + ''.join(rng.choice(alphabet) for _ in range(9)))
        check = uscc.calc_check_digit(body)
        if rng.random() < 0.25:
            check = rng.choice([c for c in alphabet if c != check])
        number = body + check
        good = int(check == uscc.calc_check_digit(body))
        if rng.random() < 0.2:
            number = number.lower()
        if rng.random() < 0.2:
            number = ' '.join([number[:2], number[2:8], number[8:17], number[17]])
        elif rng.random() < 0.1:
            number = number[:8] + '-' + number[8:]
        rows.append('%s\t%s\t%d' % (number, verdict(uscc.validate, number, exceptions), good))
    with open(os.path.join(out, 'stdnum_uscc.tsv'), 'w') as f:
        f.write('# input\tverdict\tcheck -- see stdnum_fixture.py\n')
        f.write('\n'.join(rows) + '\n')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
