import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('pack');
