import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('20-loss-retransmit');
